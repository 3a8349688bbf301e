"""`modelkb serve` in-process (FastAPI TestClient): every endpoint, error statuses, escaping, limits."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from modelkb.app import App  # noqa: E402
from modelkb.config import load_settings  # noqa: E402
from modelkb.inputs import InputFile  # noqa: E402
from modelkb.server import create_app  # noqa: E402
from sample_prompts import BLUR  # noqa: E402

XSS_NAME = '"><img src=x onerror=alert(1)>Evil-Model'
XSS_SUMMARY = "Removes blur. <script>alert('summary')</script> It deblurs photos."
XSS_PROMPT = dict(
    question="Which model removes blur? <script>alert('question')</script>",
    models=[{"name": XSS_NAME, "github": "https://github.com/evil/model", "summary": XSS_SUMMARY}],
    papers=[{"name": "<script>alert('paper')</script> Deblurring Paper", "paper": "https://arxiv.org/abs/2108.05054",
             "summary": '"><img src=x onerror=alert(2)> A paper on deblurring.'}],
)


@pytest.fixture
def app(fake_app_embedder, make_prompt):
    a = App(load_settings())
    a.ingest([InputFile.of_bytes("blur.txt", make_prompt(**BLUR).encode())], index=True)
    yield a
    a.close()


@pytest.fixture
def client(app):
    with TestClient(create_app(app)) as c:
        yield c


def test_healthz_names_the_catalog(client, app):
    data = client.get("/healthz").json()
    assert data["ok"] is True and data["pid"] > 0
    from modelkb.config import catalog_id

    assert data["catalog"] == catalog_id(app.settings.db_url)


def test_json_endpoints_return_what_the_cli_prints(client, run_cli):
    cli = lambda *a: json.loads(run_cli(*a, "--json").stdout)  # noqa: E731
    assert client.get("/api/stats").json() == cli("stats")
    assert client.get("/api/items", params={"kind": "model"}).json() == cli("list", "--kind", "model")
    assert client.get("/api/items/Deblur-MIMO-UNet-RealBlur").json() == cli("show", "Deblur-MIMO-UNet-RealBlur")
    api = client.get("/api/search", params={"q": "motion blur photo", "k": 3, "mode": "hybrid"}).json()
    assert api == cli("search", "motion blur photo", "-k", "3")
    assert api[0]["name"] == "Deblur-MIMO-UNet-RealBlur"
    assert api[0]["snippet"] == "It removes motion blur from real photos."
    assert set(api[0]) >= {"key", "kind", "name", "score", "paper_url", "github_url", "task", "dense", "lexical"}


def test_search_filters_and_modes(client):
    papers = client.get("/api/search", params={"q": "deblur", "kind": "paper"}).json()
    assert papers and all(r["kind"] == "paper" for r in papers)
    lexical = client.get("/api/search", params={"q": "MIMO-UNet", "mode": "lexical", "k": 1}).json()
    assert lexical[0]["name"] == "Deblur-MIMO-UNet-RealBlur" and lexical[0]["dense"] is None
    assert client.get("/api/search", params={"q": "blur", "task": "nosuchtask"}).json() == []


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "x", "k": 0}, {"q": "x", "mode": "fuzzy"}, {"q": "x", "kind": "dataset"}])
def test_search_rejects_bad_parameters(client, params):
    r = client.get("/api/search", params=params)
    assert r.status_code == 422, r.text


def test_unknown_item_is_404_with_one_line(client):
    r = client.get("/api/items/no-such-thing")
    assert r.status_code == 404
    assert r.json() == {"detail": "no item matches 'no-such-thing'; see `modelkb list`", "error": "NotFound"}
    page = client.get("/items/no-such-thing")
    assert page.status_code == 404 and "no item matches" in page.text


def test_answer_text_markdown_and_json(client, make_prompt, run_cli, tmp_path):
    text = make_prompt(**BLUR)
    md = client.post("/api/answer", json={"text": text, "name": "blur.txt"})
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    as_json = client.post("/api/answer", json={"text": text, "name": "blur.txt", "format": "json"}).json()
    assert as_json["source"] == "blur.txt" and as_json["ranking"][0]["name"] == "Deblur-MIMO-UNet-RealBlur"
    f = tmp_path / "blur.txt"
    f.write_text(text)
    assert md.text + "\n" == run_cli("answer", str(f), "--no-ingest").stdout
    cli_json = json.loads(run_cli("answer", str(f), "--no-ingest", "--format", "json").stdout)
    assert as_json == cli_json | {"source": "blur.txt"}


def test_answer_upload_is_answered_and_not_stored(client, app, make_prompt, tmp_path):
    before = app.stats()
    files = {"file": ("my prompt.txt", make_prompt(**BLUR).encode(), "text/plain")}
    r = client.post("/api/answer", files=files, data={"format": "json"})
    assert r.status_code == 200, r.text
    assert r.json()["source"] == "my prompt.txt"
    assert app.stats() == before
    assert not list(tmp_path.glob("**/my prompt.txt"))


def test_answer_bad_input_is_400(client):
    r = client.post("/api/answer", json={"text": "this is not a prompt file"})
    assert r.status_code == 400 and r.json()["error"] == "ParseError"
    assert client.post("/api/answer", json={"name": "x"}).status_code == 400  # neither text nor data
    assert client.post("/api/answer", json={"text": "x", "format": "pdf"}).status_code == 400
    assert client.post("/api/answer", content=b"{not json", headers={"content-type": "application/json"}).status_code == 400


def test_ask(client):
    r = client.post("/api/ask", json={"question": "remove motion blur from a photo", "format": "json"})
    assert r.status_code == 200
    assert r.json()["ranking"][0]["name"] == "Deblur-MIMO-UNet-RealBlur"
    assert client.post("/api/ask", json={"question": ""}).status_code == 422


def test_ask_on_empty_catalog_is_404(fake_app_embedder):
    with TestClient(create_app(App(load_settings()))) as c:
        r = c.post("/api/ask", json={"question": "anything"})
    assert r.status_code == 404 and "catalog is empty" in r.json()["detail"]


def test_ingest_through_the_api_is_visible_to_the_next_search(client, make_prompt):
    new = make_prompt("Which model colorizes old photos?", models=[
        {"name": "Colorize-DeOldify", "github": "https://github.com/jantic/DeOldify",
         "summary": "Colorizes black and white photographs."}])
    r = client.post("/api/ingest", json={"files": [{"name": "color.txt", "text": new},
                                                   {"name": "bad.txt", "text": "garbage"}]})
    assert r.status_code == 200
    summary = r.json()
    assert summary["files_new"] == 1 and summary["files_failed"] == 1 and summary["embedded"] == 1
    assert summary["errors"][0].startswith("bad.txt")
    top = client.get("/api/search", params={"q": "colorize black and white photographs", "k": 1}).json()
    assert top[0]["name"] == "Colorize-DeOldify"


def test_cli_ingest_while_serving_is_visible_to_the_next_search(client, run_cli, make_prompt, tmp_path):
    client.get("/api/search", params={"q": "warm"})  # the server's index is loaded
    f = tmp_path / "color.txt"
    f.write_text(make_prompt("Which model colorizes old photos?", models=[
        {"name": "Colorize-DeOldify", "summary": "Colorizes black and white photographs."}]))
    assert run_cli("--no-server", "ingest", str(f)).exit_code == 0  # another App, as another process would be
    top = client.get("/api/search", params={"q": "colorize black and white photographs", "k": 1}).json()
    assert top[0]["name"] == "Colorize-DeOldify"


def test_writes_need_the_token_when_one_is_set(app, make_prompt):
    with TestClient(create_app(app, token="s3cret")) as c:
        body = {"files": [{"name": "b.txt", "text": make_prompt(**BLUR)}]}
        assert c.post("/api/ingest", json=body).status_code == 403
        assert c.post("/api/ingest", json=body, headers={"X-Modelkb-Token": "wrong"}).status_code == 403
        assert c.post("/api/ingest", json=body, headers={"X-Modelkb-Token": "s3cret"}).status_code == 200
        assert c.post("/api/ingest", json=body, headers={"Authorization": "Bearer s3cret"}).status_code == 200
        ingest_answer = {"text": make_prompt(**BLUR), "ingest": True}
        assert c.post("/api/answer", json=ingest_answer).status_code == 403
        assert c.post("/api/answer", json=ingest_answer | {"ingest": False}).status_code == 200  # reads stay open
        assert c.get("/api/search", params={"q": "blur"}).status_code == 200


def test_serve_refuses_a_public_address_without_a_token(run_cli):
    r = run_cli("serve", "--host", "0.0.0.0")
    assert r.exit_code == 2 and "--token" in r.output


def test_body_size_is_limited(app):
    with TestClient(create_app(app, max_body=2048)) as c:
        r = c.post("/api/answer", json={"text": "x" * 5000})
        assert r.status_code == 413
        r = c.post("/answer", files={"file": ("big.txt", b"y" * 5000, "text/plain")})
        assert r.status_code == 413

        def chunks():
            yield b'{"text": "'
            yield b"z" * 10
            yield b'"}'

        assert c.post("/api/answer", content=chunks(), headers={"content-type": "application/json"}).status_code == 411


def test_host_header_is_checked_on_loopback(app):
    with TestClient(create_app(app, allowed_hosts=["127.0.0.1", "localhost"]), base_url="http://evil.example") as c:
        assert c.get("/api/stats").status_code == 400
    with TestClient(create_app(app, allowed_hosts=["127.0.0.1", "localhost"]), base_url="http://127.0.0.1:8765") as c:
        assert c.get("/api/stats").status_code == 200


def test_docs_work_offline(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/swagger/swagger-ui.css").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/search", "/api/answer", "/api/ask", "/api/items/{ref}", "/api/stats", "/api/ingest", "/healthz"} <= set(paths)


def test_pages_render_and_reference_only_local_assets(client):
    for url in ("/", "/?q=motion+blur&kind=model", "/items/Deblur-MIMO-UNet-RealBlur", "/answer", "/stats", "/items"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert "script-src" not in r.headers["content-security-policy"]  # default-src 'none': no script at all
        assert "<script" not in r.text and "//cdn" not in r.text and 'src="http' not in r.text, url
    search = client.get("/", params={"q": "motion blur", "kind": "model"}).text
    assert "Deblur-MIMO-UNet-RealBlur" in search and "It removes motion blur from real photos." in search
    assert 'href="https://github.com/chosj95/mimo-unet"' in search.lower()
    item = client.get("/items/Deblur-MIMO-UNet-RealBlur").text
    assert "blur.txt" in item and "Which model removes motion blur from a photo?" in item


def test_catalog_text_is_escaped_everywhere(client, app, make_prompt):
    text = make_prompt(**XSS_PROMPT)
    app.ingest([InputFile.of_bytes("evil.txt", text.encode())], index=True)
    pages = {
        "search": client.get("/", params={"q": "blur deblurring evil"}).text,
        "item": client.get("/items/Evil-Model").text,
        "items": client.get("/items").text,
        "answer": client.post("/answer", data={"text": text}).text,
        "upload": client.post("/answer", files={"file": ("e<script>.txt", text.encode(), "text/plain")}).text,
    }
    for name, html in pages.items():
        assert "<script" not in html, name
        assert "<img" not in html, name
    assert "&lt;img src=x onerror=alert(1)&gt;Evil-Model" in pages["item"]
    assert "&lt;script&gt;alert(&#39;summary&#39;)&lt;/script&gt;" in pages["item"]
    assert "&lt;script&gt;" in pages["answer"] and "Evil-Model" in pages["answer"]


def test_non_http_links_are_not_links(client, app, make_prompt):
    text = make_prompt("Which model deblurs?", models=[
        {"name": "Sneaky-Model", "github": "javascript:alert(1)", "summary": "Deblurs."}])
    app.ingest([InputFile.of_bytes("sneaky.txt", text.encode())], index=True)
    html = client.get("/items/Sneaky-Model").text
    assert 'href="javascript' not in html
