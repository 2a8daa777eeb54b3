import time
import datetime as dt
from foiatrack.adapters import blob_store
from foiatrack.adapters.imap import imap_mailbox_from_config
from foiatrack.domain.mail.fetching import fetch_pass
from foiatrack.domain.mail.ingest import process_raw
from tests.servers import make_mail
import pytest

@pytest.mark.parametrize("mode", ["transport", "process_raw", "process_raw+move"])
def test_bench(app, session, imap_server, mode):
    sent = [make_mail(i, body=f"Reply {i}: " + "we received your request. " * 40 + "\r\n") for i in range(200)]
    t = time.perf_counter()
    imap_server.append_many("INBOX", sent)
    ap = time.perf_counter() - t
    cfg = imap_server.config(IMAP_PROCESSED_FOLDER="Processed") if mode.endswith("move") else imap_server.config()
    app.config.update(cfg)
    blobs = blob_store(app.config)
    if mode == "transport":
        process = lambda s, r: "inbox"
    else:
        process = lambda s, r: process_raw(s, r, blobs=blobs, config=app.config, now=dt.datetime.now(dt.UTC))
    mb = imap_mailbox_from_config(app.config)
    t = time.perf_counter()
    summary = fetch_pass(session, mb, store=blobs.put, process=process)
    el = time.perf_counter() - t
    t = time.perf_counter()
    again = fetch_pass(session, mb, store=blobs.put, process=process)
    el2 = time.perf_counter() - t
    mb.close()
    print(f"\nBENCH {mode}: {summary.line()} in {el:.2f}s = {200/el:.0f} msg/s; second pass {el2*1000:.0f} ms; append {ap:.2f}s")
    assert summary.fetched == 200
