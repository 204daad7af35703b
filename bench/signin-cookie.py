#!/usr/bin/python3
"""Signs in to a running robinet and prints the Cookie header value of the
new session ("__Host-robinet=..."), for the benches that measure a
signed-in page (bench/http.sh with SIGNIN, bench/dashboard.sh).

usage: signin-cookie.py BASE_URL EMAIL PASSWORD
Exit status 1 (with a message on stderr) when the sign-in fails."""
import http.client
import re
import sys
import urllib.parse


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    base, email, password = sys.argv[1:]
    u = urllib.parse.urlsplit(base)
    c = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=30)
    c.request("GET", "/connexion")
    r = c.getresponse()
    page = r.read().decode()
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    cookies = [h.split(";", 1)[0] for h in r.headers.get_all("Set-Cookie") or []]
    if not token or not cookies:
        print("signin-cookie: no CSRF token on /connexion", file=sys.stderr)
        return 1
    body = urllib.parse.urlencode({"csrf": token.group(1), "email": email,
                                   "mot_de_passe": password})
    c.request("POST", "/connexion", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(cookies)})
    r = c.getresponse()
    r.read()
    session = [h.split(";", 1)[0] for h in r.headers.get_all("Set-Cookie") or []
               if h.startswith("__Host-robinet=")]
    if r.status != 303 or not session:
        print("signin-cookie: sign-in refused (status %d)" % r.status, file=sys.stderr)
        return 1
    print(session[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
