"""One module per auction step; every node is a function of (state, runtime) returning an update."""
