import asyncio

import pytest

from sale.core.pool import AgentSpec, Pool, PoolError, load_pool

GOOD = """
[[agents]]
name = "small"
model = "qwen3-4b"
base_url = "http://127.0.0.1:8001/v1"
price_per_mtok = 0.05

[[agents]]
name = "large"
model = "qwen3-32b"
base_url = "https://api.example.com/v1"
price_per_mtok = 0.36
api_key_env = "EXAMPLE_KEY"
timeout_s = 30
max_tokens = 512
"""


def write(tmp_path, text):
    path = tmp_path / "pool.toml"
    path.write_text(text)
    return path


def test_valid_pool_file(tmp_path):
    pool = load_pool(write(tmp_path, GOOD))
    assert pool.names == ["small", "large"]
    large = pool.get("large")
    assert large.price_per_mtok == 0.36 and large.timeout_s == 30.0 and large.max_tokens == 512
    assert large.api_key_env == "EXAMPLE_KEY"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[agents]]\nname="a"\nmodel="m"\nbase_url="http://h/v1"\n', "missing `price_per_mtok`"),
        ('[[agents]]\nname="a"\nmodel="m"\nbase_url="http://h/v1"\nprice_per_mtok=-1\n', ">= 0"),
        ('[[agents]]\nname="a"\nmodel="m"\nbase_url="http://h/v1"\nprice_per_mtok=1\ncolour="red"\n',
         "unknown key(s) colour"),
        ('[[agents]]\nname="a"\nmodel="m"\nbase_url="ftp://h"\nprice_per_mtok=1\n', "bad `base_url`"),
        ('[[agents]]\nname="a"\nmodel="m"\nbase_url="not a url"\nprice_per_mtok=1\n', "bad `base_url`"),
        ("", "zero agents"),
        ("agents = []\n", "zero agents"),
        ('[[agents]]\nname="a"\nmodel="m"\nbase_url="http://h/v1"\nprice_per_mtok=1\n'
         '[[agents]]\nname="a"\nmodel="n"\nbase_url="http://h/v1"\nprice_per_mtok=2\n', "duplicate agent name 'a'"),
        ('[[agents]]\nname="a"\nmodel="m"\nbase_url="http://h/v1"\nprice_per_mtok=1\n'
         '[[agents]]\nname="b"\nmodel="m"\nbase_url="http://h/v1/"\nprice_per_mtok=2\n', "same model endpoint"),
        ('[[agents]]\nname="a"\nmodel="m"\nbase_url="http://h/v1"\nprice_per_mtok="cheap"\n', "wrong type"),
        ("[[agents]\n", "invalid TOML"),
    ],
)
def test_each_problem_gets_a_clear_error(tmp_path, text, message):
    with pytest.raises(PoolError) as info:
        load_pool(write(tmp_path, text))
    assert message in str(info.value)


def test_all_problems_reported_at_once(tmp_path):
    text = ('[[agents]]\nname="a"\nmodel="m"\nbase_url="http://h/v1"\nprice_per_mtok=-2\n'
            '[[agents]]\nname="b"\nmodel="n"\nbase_url="bad"\nprice_per_mtok=1\nfoo=1\n')
    with pytest.raises(PoolError) as info:
        load_pool(write(tmp_path, text))
    message = str(info.value)
    assert ">= 0" in message and "unknown key(s) foo" in message


def test_missing_file_and_binary_file(tmp_path):
    with pytest.raises(PoolError, match="cannot read"):
        load_pool(tmp_path / "absent.toml")
    path = tmp_path / "bin.toml"
    path.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(PoolError, match="not UTF-8"):
        load_pool(path)


def test_pool_from_python():
    pool = Pool.of(AgentSpec(name="x", model="m", base_url="http://127.0.0.1:1/v1", price_per_mtok=0.1),
                   {"name": "y", "model": "n", "base_url": "http://127.0.0.1:1/v1", "price_per_mtok": 0.2})
    assert pool.names == ["x", "y"]
    with pytest.raises(PoolError, match=r">= 0"):
        Pool.of(AgentSpec(name="x", model="m", base_url="http://h/v1", price_per_mtok=-0.1))


def test_api_key_env(monkeypatch):
    spec = AgentSpec(name="x", model="m", base_url="http://h/v1", price_per_mtok=1, api_key_env="SALE_TEST_KEY")
    monkeypatch.delenv("SALE_TEST_KEY", raising=False)
    with pytest.raises(PoolError, match="SALE_TEST_KEY"):
        spec.api_key()
    monkeypatch.setenv("SALE_TEST_KEY", "sk-123")
    assert spec.api_key() == "sk-123"


def test_client_has_finite_timeout_and_one_retry_owner():
    from sale.core.calls import openai_chat_model

    model = openai_chat_model(AgentSpec(name="x", model="m", base_url="http://h/v1", price_per_mtok=1,
                                        timeout_s=7, max_retries=2))
    assert model.request_timeout.read == 7 and model.max_retries == 2


def test_kept_clients_serve_every_call_of_an_agent_and_close_only_at_aclose():
    """The server's factory keeps one client per agent across calls; a per-call client is closed after its call."""
    from langchain_core.messages import HumanMessage

    from sale.core.calls import KeptClients, call_model, openai_chat_model
    from tests.openai_stub import Behaviour, StubServer, stub_pool

    async def run(url_pool):
        spec = url_pool.agents[0]
        kept, made = KeptClients(), []

        def per_call(s):
            made.append(openai_chat_model(s))
            return made[-1]

        try:
            first = await call_model(spec, [HumanMessage("hi")], purpose="direct", deadline_s=10, max_tokens=8,
                                     factory=kept)
            second = await call_model(spec, [HumanMessage("hi")], purpose="direct", deadline_s=10, max_tokens=8,
                                      factory=kept)
            assert first["text"] == second["text"] == "hello" and first["error"] is None
            model = kept(spec)
            assert kept(spec) is model and not model.http_async_client.is_closed
            third = await call_model(spec, [HumanMessage("hi")], purpose="direct", deadline_s=10, max_tokens=8,
                                     factory=per_call)
            assert third["text"] == "hello" and made[0].http_async_client.is_closed
        finally:
            await kept.aclose()
        assert model.http_async_client.is_closed and kept(spec) is not model
        await kept.aclose()

    with StubServer({"a": Behaviour(direct="hello")}) as stub:
        asyncio.run(run(stub_pool(stub, {"a": 1.0})))
