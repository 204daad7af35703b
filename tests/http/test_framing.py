"""Strict HTTP framing (RFC 9112): every malformed request, and every
request whose end is ambiguous, is refused by the front gate (gate.c,
reqscan.c, framing.c) with one answer of ours (400, 413, 414, 431, 501,
505), with the security headers, and the connection is closed, so that
bytes after a refused head are never read as a request of their own
(request smuggling). libmicrohttpd never sees such a request, so it never
answers one itself.

Table-driven, on raw sockets: each malformed request is followed, in the
same write, by a well-formed pipelined GET of /healthz. The server must
answer the malformed request once, with the expected status, then close
the connection without ever answering the GET.
"""
import re
import socket
import time

from harness import check_security_headers, test

GET = b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
FORM = b"Content-Type: application/x-www-form-urlencoded\r\n"

# (name, request, status). Each request is complete as the lenient
# reading of libmicrohttpd 0.9.75 frames it, so that reading would answer
# the pipelined GET (or wait for the body until a timeout).
OURS = [
    ("content_length_twice_conflicting",
     b"POST /connexion HTTP/1.1\r\nHost: t\r\n" + FORM +
     b"Content-Length: 3\r\nContent-Length: 40\r\n\r\nabc", 400),
    ("content_length_twice_equal",
     b"POST /connexion HTTP/1.1\r\nHost: t\r\n" + FORM +
     b"Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400),
    ("content_length_with_transfer_encoding",
     b"POST /connexion HTTP/1.1\r\nHost: t\r\n" + FORM +
     b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("transfer_encoding_with_content_length",
     b"POST /connexion HTTP/1.1\r\nHost: t\r\n" + FORM +
     b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400),
    ("space_before_colon_content_length",
     b"POST /connexion HTTP/1.1\r\nHost: t\r\n" + FORM +
     b"Content-Length : 5\r\n\r\nhello", 400),
    ("tab_before_colon_transfer_encoding",
     b"POST /connexion HTTP/1.1\r\nHost: t\r\n" + FORM +
     b"Transfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n", 400),
    ("space_before_colon_any_field",
     b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Any : 1\r\n\r\n", 400),
    ("first_field_line_starts_with_space",
     b"GET /healthz HTTP/1.1\r\n Host: t\r\nHost: t\r\n\r\n", 400),
    ("host_twice",
     b"GET /healthz HTTP/1.1\r\nHost: t\r\nHost: u\r\n\r\n", 400),
    ("host_twice_same_value",
     b"GET /healthz HTTP/1.1\r\nHost: t\r\nhost: t\r\n\r\n", 400),
    ("host_missing_http11",
     b"GET /healthz HTTP/1.1\r\n\r\n", 400),
    ("host_invalid",
     b"GET /healthz HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
    ("chunked_twice",
     b"POST /connexion HTTP/1.1\r\nHost: t\r\n" + FORM +
     b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("transfer_encoding_http10",
     b"POST /connexion HTTP/1.0\r\nConnection: keep-alive\r\n" + FORM +
     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("space_in_request_target",
     b"GET /healthz x HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    ("control_in_field_value",
     b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-A: a\rb\r\n\r\n", 400),
    ("folded_content_length",
     b"POST /confidentialite HTTP/1.1\r\nHost: t\r\n" + FORM +
     b"Content-Length: 1\r\n 0\r\n\r\n0123456789", 400),
    ("folded_transfer_encoding",
     b"POST /confidentialite HTTP/1.1\r\nHost: t\r\n" + FORM +
     b"Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", 400),
    ("method_not_a_token",
     b"G\x01T /healthz HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    # RFC 9110 allows whitespace after a value; libmicrohttpd 0.9.75
    # keeps it, answers 400 itself to such a Content-Length and does
    # not see "chunked" in such a Transfer-Encoding (found by fuzz_http).
    ("content_length_then_space",
     b"POST /connexion HTTP/1.1\r\nHost: t\r\n" + FORM +
     b"Content-Length:3 \r\n\r\nabc", 400),
    ("content_length_then_tab",
     b"POST /connexion HTTP/1.1\r\nHost: t\r\n" + FORM +
     b"Content-Length: 3\t\r\n\r\nabc", 400),
    ("chunked_then_space",
     b"POST /connexion HTTP/1.1\r\nHost: t\r\n" + FORM +
     b"Transfer-Encoding: chunked \r\n\r\n0\r\n\r\n", 400),
    ("transfer_encoding_gzip",
     b"POST /connexion HTTP/1.1\r\nHost: t\r\n" + FORM +
     b"Transfer-Encoding: gzip\r\n\r\nxxxxx", 501),
    ("transfer_encoding_gzip_chunked",
     b"POST /connexion HTTP/1.1\r\nHost: t\r\n" + FORM +
     b"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
    ("transfer_encoding_identity_on_get",
     b"GET /healthz HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: identity\r\n\r\n", 501),
]

# Before the front gate, libmicrohttpd answered these itself, with pages
# that carried none of the security headers (one of them with its status
# line twice), or served them (bare LF, obs-fold, HTTP/1.2, too many
# fields). The default max_header_bytes is 16384.
BIG = 20000
CHUNKED = (b"POST /confidentialite HTTP/1.1\r\nHost: t\r\n" + FORM +
           b"Transfer-Encoding: chunked\r\n\r\n")
OURS += [
    ("bad_http_version",
     b"GET /healthz HTTP/1.1x\r\nHost: t\r\n\r\n", 400),
    ("http_version_lowercase",
     b"GET /healthz http/1.1\r\nHost: t\r\n\r\n", 400),
    ("http_version_2",
     b"GET /healthz HTTP/2.0\r\nHost: t\r\n\r\n", 505),
    ("http_version_0_9",
     b"GET /healthz HTTP/0.9\r\nHost: t\r\n\r\n", 505),
    ("http_version_1_2",
     b"GET /healthz HTTP/1.2\r\nHost: t\r\n\r\n", 505),
    ("request_line_two_spaces",
     b"GET  /healthz HTTP/1.1\r\nHost: t\r\n\r\n", 400),
    ("request_line_without_version",
     b"GET /healthz\r\nHost: t\r\n\r\n", 400),
    ("request_line_bare_lf",
     b"GET /healthz HTTP/1.1\nHost: t\r\n\r\n", 400),
    ("field_line_bare_lf",
     b"GET /healthz HTTP/1.1\r\nHost: t\nX-A: 1\r\n\r\n", 400),
    ("field_line_bare_cr",
     b"GET /healthz HTTP/1.1\r\nHost: t\rX-A: 1\r\n\r\n", 400),
    ("field_line_without_colon",
     b"GET /healthz HTTP/1.1\r\nHost: t\r\nno colon here\r\n\r\n", 400),
    ("folded_ordinary_field",
     b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n  2\r\n\r\n", 400),
    ("content_length_not_a_number",
     b"POST /confidentialite HTTP/1.1\r\nHost: t\r\n" + FORM +
     b"Content-Length: 3x\r\n\r\na=b", 400),
    ("content_length_negative",
     b"POST /confidentialite HTTP/1.1\r\nHost: t\r\n" + FORM +
     b"Content-Length: -1\r\n\r\n", 400),
    ("content_length_too_large",
     b"POST /confidentialite HTTP/1.1\r\nHost: t\r\n" + FORM +
     b"Content-Length: 99999999999999999999999\r\n\r\n", 413),
    ("head_over_max_header_bytes",
     b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * BIG +
     b"\r\n\r\n", 431),
    ("too_many_field_lines",
     b"GET /healthz HTTP/1.1\r\nHost: t\r\n" +
     b"".join(b"X-F%d: 1\r\n" % i for i in range(120)) + b"\r\n", 431),
    ("request_target_over_max_header_bytes",
     b"GET /" + b"a" * BIG + b" HTTP/1.1\r\nHost: t\r\n\r\n", 414),
    ("chunk_size_not_hex",
     CHUNKED + b"zz\r\nab\r\n0\r\n\r\n", 400),
    ("chunk_size_with_space",
     CHUNKED + b"3 \r\na=b\r\n0\r\n\r\n", 400),
    ("chunk_size_too_large",
     CHUNKED + b"fffffffffffffffffffff\r\nab\r\n0\r\n\r\n", 413),
    ("chunk_data_without_crlf",
     CHUNKED + b"3\r\na=bXY0\r\n\r\n", 400),
    ("chunk_size_bare_lf",
     CHUNKED + b"3\na=b\r\n0\r\n\r\n", 400),
    ("trailer_without_colon",
     CHUNKED + b"3\r\na=b\r\n0\r\nno colon\r\n\r\n", 400),
    ("trailer_content_length",
     CHUNKED + b"3\r\na=b\r\n0\r\nContent-Length: 5\r\n\r\n", 400),
]


def exchange(s, data, timeout=5):
    """Sends data at once; returns (bytes read, closed by the server, seconds)."""
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=timeout)
    t0 = time.time()
    sock.sendall(data)
    out = b""
    closed = False
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                closed = True
                break
            out += chunk
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = True
    sock.close()
    return out, closed, time.time() - t0


def responses(raw):
    """The status codes of every status line in raw, in order."""
    return [int(m) for m in re.findall(rb"(?:^|\n)HTTP/1\.[01] (\d{3}) ", raw)]


def headers_of(raw):
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    h = {}
    for line in head:
        k, _, v = line.partition(":")
        h[k.strip().lower()] = v.strip()
    return h


def check_refused(s, name, req, status):
    raw, closed, took = exchange(s, req + GET)
    got = responses(raw)
    assert got, "%s: no answer in %.1f s: %r" % (name, took, raw[:200])
    assert got[0] == status, "%s: status %s, want %d" % (name, got, status)
    assert 200 not in got and b"\r\n\r\nok\n" not in raw, \
        "%s: the pipelined GET was answered: %s" % (name, got)
    assert closed, "%s: connection left open after %.1f s" % (name, took)
    assert took < 3, "%s: took %.1f s (waited for a timeout)" % (name, took)
    check_ours(name, raw, status)


def check_ours(name, raw, status):
    """raw is exactly one answer of ours with status, closing."""
    got = responses(raw)
    assert got == [status], "%s: %d status lines: %s" % (name, len(got), got)
    h = headers_of(raw)
    check_security_headers(h)
    assert h.get("connection", "").lower() == "close", (name, h)
    body = raw.split(b"\r\n\r\n", 1)[1]
    assert int(h["content-length"]) == len(body), (name, h, len(body))
    assert b'lang="fr"' in body, (name, body[:200])


@test
def framing_well_formed_pipeline_is_answered_twice(s):
    # The control: the same method sees a pipelined answer when there is
    # one, so "not answered" below means something.
    for req in (b"POST /confidentialite HTTP/1.1\r\nHost: t\r\n" + FORM +
                b"Content-Length: 3\r\n\r\na=b",
                b"POST /confidentialite HTTP/1.1\r\nHost: t\r\n" + FORM +
                b"Transfer-Encoding: chunked\r\n\r\n3\r\na=b\r\n0\r\n\r\n",
                b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"):
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=3)
        sock.sendall(req + GET)
        out = b""
        deadline = time.time() + 3
        while out.count(b"HTTP/1.") < 2 or not out.endswith(b"ok\n"):
            if time.time() > deadline:
                break
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
        sock.close()
        got = responses(out)
        assert len(got) == 2 and got[1] == 200, (req, got, out[-300:])


def make_case(name, req, status):
    def case(s):
        check_refused(s, name, req, status)
    case.__name__ = "framing_" + name
    return case


for _name, _req, _status in OURS:
    test(make_case(_name, _req, _status))


@test
def framing_earlier_pipelined_requests_are_answered_first(s):
    # A valid GET, a valid POST with a body, then a malformed request and
    # a GET: the first two are answered in order, then the refusal (ours,
    # once), then the connection closes; the last GET never is.
    post = (b"POST /confidentialite HTTP/1.1\r\nHost: t\r\n" + FORM +
            b"Content-Length: 3\r\n\r\na=b")
    for bad, status in ((b"GET /healthz HTTP/1.1\r\nHost: t\r\nno colon\r\n\r\n", 400),
                        (b"GET /healthz HTTP/3.0\r\nHost: t\r\n\r\n", 505),
                        (CHUNKED + b"3\r\na=b\r\nzz\r\n", 400)):
        raw, closed, took = exchange(s, GET + post + bad + GET)
        got = responses(raw)
        assert len(got) == 3 and got[0] == 200 and got[2] == status, (got, raw[-400:])
        assert closed and took < 3, (closed, took)
        last = raw[[m.start() for m in re.finditer(rb"HTTP/1\.1 ", raw)][2]:]
        check_ours("pipelined", last, status)


@test
def framing_large_bodies_and_pipelining_pass_the_gate(s):
    # Bodies much larger than the gate's buffers, framed by Content-Length
    # and by many chunks, reach the server whole: the GET pipelined after
    # each is answered, so the gate found where the body ended.
    # (Not a form: the page reads it as raw bytes and answers 405.)
    body = b"x" * 60000
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 1000]), body[i:i + 1000])
                      for i in range(0, len(body), 1000))
    post = b"POST /confidentialite HTTP/1.1\r\nHost: t\r\n"
    for req in (post + b"Content-Length: %d\r\n\r\n" % len(body) + body,
                post + b"Transfer-Encoding: chunked\r\n\r\n" + chunks +
                b"0\r\nX-Trailer: 1\r\n\r\n",
                b"\r\n" + GET):
        sock = socket.create_connection(("127.0.0.1", s.port), timeout=5)
        sock.sendall(req + GET)
        out = b""
        while len(responses(out)) < 2 or not out.endswith(b"ok\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
        sock.close()
        got = responses(out)
        assert len(got) == 2 and got[0] not in (400, 413, 431) and got[1] == 200, \
            (req[:60], got, out[-300:])


@test
def framing_slow_client_is_served(s):
    # A request sent in pieces, a chunked body split inside its size line
    # and its CRLF, then a slow reader of a large page: all served.
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=5)
    for piece in (b"GET /hea", b"lthz HTTP/1.1\r", b"\nHost: t\r\n", b"\r\n"):
        sock.sendall(piece)
        time.sleep(0.2)
    assert sock.recv(65536).startswith(b"HTTP/1.1 200"), "split request"
    for piece in (CHUNKED + b"3", b"\r", b"\na=b\r", b"\n0\r\n", b"\r\n" + GET):
        sock.sendall(piece)
        time.sleep(0.2)
    out = b""
    while len(responses(out)) < 2 or not out.endswith(b"ok\n"):
        chunk = sock.recv(65536)
        assert chunk, out
        out += chunk
    assert responses(out)[1] == 200, out
    sock.sendall(b"GET /static/css/site.css HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    out = b""
    while True:
        time.sleep(0.01)
        chunk = sock.recv(4096)
        if not chunk:
            break
        out += chunk
    sock.close()
    assert out.startswith(b"HTTP/1.1 200"), out[:200]
    h = headers_of(out)
    assert int(h["content-length"]) == len(out.split(b"\r\n\r\n", 1)[1]), h


@test(own=True)
def framing_refusal_is_logged_with_its_reason(s):
    # Its own server: the first refusal of an interval is written in full,
    # later ones of the same template only counted (base/logrl.h).
    exchange(s, b"GET /healthz HTTP/1.1\r\nHost: t\r\nHost: u\r\n\r\n")
    time.sleep(0.2)
    assert "more than one Host" in s.stderr(), s.stderr()[-500:]


@test
def framing_api_refusal_is_json(s):
    raw, closed, _ = exchange(s, b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: t\r\n"
                              b"Transfer-Encoding: gzip\r\n\r\n" + GET)
    assert responses(raw) == [501] and closed, raw[:300]
    assert b'"not_implemented"' in raw, raw[-300:]


@test
def framing_long_pipeline_is_answered_in_full(s):
    # More pipelined requests than the gate's buffer holds, sent at once:
    # the gate stops reading while the server is behind, and every one is
    # answered, in order.
    n = 2000
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    sock.sendall(GET * n)
    out = b""
    while out.count(b"\r\n\r\nok\n") < n:
        chunk = sock.recv(1 << 20)
        assert chunk, "closed after %d answers" % out.count(b"ok\n")
        out += chunk
    sock.close()
    assert responses(out) == [200] * n


@test
def framing_half_closed_client_gets_its_answer(s):
    # A client that sends its request then closes its sending half still
    # gets the whole answer, then the end of the connection.
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=5)
    sock.sendall(GET + GET)
    sock.shutdown(socket.SHUT_WR)
    out = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        out += chunk
    sock.close()
    assert responses(out) == [200, 200] and out.endswith(b"ok\n"), out[-200:]


@test
def framing_refused_head_request_has_no_body(s):
    raw, closed, _ = exchange(s, b"HEAD /healthz HTTP/1.1\r\nHost: t\r\nHost: u\r\n\r\n")
    assert responses(raw) == [400] and closed, raw[:300]
    head, body = raw.split(b"\r\n\r\n", 1)
    assert body == b"", body[:100]
    h = headers_of(raw)
    check_security_headers(h)
    assert int(h["content-length"]) > 0, h


@test
def framing_early_answer_to_a_large_upload_arrives(s):
    # A body over max_body_bytes is answered 413 at once, while the
    # client is still sending it: the answer reaches the client through
    # the gate whether the server reads the rest or closes.
    import threading
    size = 4 * 1024 * 1024
    sock = socket.create_connection(("127.0.0.1", s.port), timeout=10)
    sock.sendall(b"POST /connexion HTTP/1.1\r\nHost: t\r\n" + FORM +
                 b"Content-Length: %d\r\n\r\n" % size)

    def upload():
        try:
            for _ in range(size // 65536):
                sock.sendall(b"x" * 65536)
        except OSError:
            pass
    t = threading.Thread(target=upload)
    t.start()
    out = b""
    try:
        while b"\r\n\r\n" not in out or len(out.split(b"\r\n\r\n", 1)[1]) < \
                int(headers_of(out).get("content-length", "1000000")):
            chunk = sock.recv(65536)
            if not chunk:
                break
            out += chunk
    except ConnectionResetError:
        pass
    t.join(10)
    sock.close()
    assert responses(out) == [413], out[:300]
    check_security_headers(headers_of(out))


@test
def framing_bytes_after_a_closing_request_are_never_answered(s):
    # After a request that ends the connection (HTTP/1.0 without
    # keep-alive, "Connection: close"), the server answers it and closes;
    # what follows is never read as a request, so never refused either:
    # nothing comes after the answer that said the connection ends.
    for req in (b"GET /healthz HTTP/1.0\r\n\r\n",
                b"GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"):
        raw, closed, took = exchange(s, req + b"not a request\r\n\r\n" + GET)
        assert responses(raw) == [200] and raw.endswith(b"ok\n"), raw[-300:]
        assert closed and took < 3, (closed, took)
