"""A fake Salesforce served over real HTTPS on loopback, for end-to-end tests.

HTTPS because simple-salesforce only speaks it: the fake makes a self-signed certificate for
127.0.0.1 (`ca_file`, given to the bot through REQUESTS_CA_BUNDLE). What the bot uses:
- `POST /services/oauth2/token`: the username-password flow (client id and secret, password
  followed by the security token) and the JWT bearer flow (an RS256 assertion checked with the
  connected app's certificate key: iss, sub, aud, exp);
- `POST /services/Soap/u/XX.X`: the SOAP login() of a username and a password followed by the
  security token (no connected app), answering the sessionId/serverUrl envelope, or a fault as
  Salesforce's (HTTP 500): INVALID_LOGIN, LOGIN_MUST_USE_SECURITY_TOKEN when the password is
  right but the token missing or wrong, UNSUPPORTED_API_VERSION from 65.0 on (login() is gone);
- `GET /services/data/vXX.X/query?q=SOQL` and `.../query/<locator>` (nextRecordsUrl paging,
  `page_size` records a page), for opportunities and the Organization's currency. The SOQL is
  read for what the bot asks (`IsWon = true` or `StageName IN (...)`, `SystemModstamp > t`,
  `ORDER BY SystemModstamp, Id`); anything else is refused as Salesforce would (400).
- `GET /services/data/vXX.X/sobjects/User/<id>`: the user lookup.
Tokens expire on demand (`expire_tokens`), sessions can be refused for good, faults injected,
and the whole org can be `down` (every request answered 503 with an HTML page, as Salesforce's
maintenance pages are). Every request is recorded.
"""

from __future__ import annotations

import ipaddress
import json
import re
import ssl
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

PARTNER = "urn:partner.soap.sforce.com"
INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    authorization: str


@dataclass
class FakeOpportunity:
    id: str
    name: str
    amount: float | int | None
    currency: str
    stage: str
    is_won: bool
    owner_id: str
    modstamp: datetime = field(default_factory=lambda: datetime.now(UTC))


def _soap_fault(code: str, message: str) -> tuple[int, str]:
    """A login() fault as Salesforce answers it: HTTP 500 and a SOAP envelope."""
    return 500, (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<soapenv:Body><soapenv:Fault><faultcode>sf:{code}</faultcode>"
        f"<faultstring>{code}: {escape(message)}</faultstring>"
        '<detail><sf:LoginFault xsi:type="sf:LoginFault">'
        f"<sf:exceptionCode>{code}</sf:exceptionCode>"
        f"<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage>"
        "</sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )


def private_key_pem() -> tuple[str, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return pem, key


def _self_signed(directory: Path) -> tuple[Path, Path]:
    _, key = private_key_pem()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "fake-salesforce.pem", directory / "fake-salesforce.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class FakeSalesforce:
    def __init__(
        self,
        directory: Path,
        *,
        client_id: str,
        username: str,
        client_secret: str | None = None,
        password: str | None = None,
        security_token: str = "",
        jwt_public_key: rsa.RSAPublicKey | None = None,
        multi_currency: bool = True,
        org_currency: str = "USD",
        page_size: int = 2000,
    ) -> None:
        self.directory = directory
        self.client_id = client_id
        self.username = username
        self.client_secret = client_secret
        self.password = password  # followed by the security token, as Salesforce wants it
        self.security_token = security_token
        self.jwt_public_key = jwt_public_key
        self.multi_currency = multi_currency
        self.org_currency = org_currency
        self.page_size = page_size
        self.opportunities: dict[str, FakeOpportunity] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.requests: list[Request] = []
        self.refuse_sessions = False
        self.down = False
        self._tokens: set[str] = set()
        self.issued: list[str] = []  # every access token handed out
        self._cursors: dict[str, list[dict[str, Any]]] = {}
        self._faults: deque[tuple[str, int]] = deque()
        self._hold: threading.Event | None = None
        self._held = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.ca_file = Path()

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> FakeSalesforce:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _reply(self, status: int, payload: Any) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _down(self, method: str) -> bool:
                if not fake.down:
                    return False
                with fake._lock:
                    fake.requests.append(Request(method, urlsplit(self.path).path, {}, {}, ""))
                body = b"<html><body>Service Unavailable: down for maintenance</body></html>"
                self.send_response(503)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return True

            def do_GET(self) -> None:
                if self._down("GET"):
                    return
                self._reply(*fake._get(self.path, self.headers.get("Authorization") or ""))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self._down("POST"):
                    return
                if urlsplit(self.path).path.startswith("/services/Soap/u/"):
                    status, xml = fake._soap_login(self.path, raw)
                    body = xml.encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "text/xml;charset=UTF-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self._reply(*fake._post(self.path, parse_qs(raw.decode())))

        cert_file, key_file = _self_signed(self.directory)
        self.ca_file = cert_file
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None and self._thread is not None
        self.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    # ------------------------------------------------------------ state

    def add_user(self, user_id: str, *, email: str, name: str) -> None:
        with self._lock:
            self.users[user_id] = {"Id": user_id, "Email": email, "Name": name}

    def save_opportunity(
        self,
        opportunity_id: str,
        *,
        name: str = "",
        amount: float | int | None = None,
        currency: str = "USD",
        stage: str = "Closed Won",
        is_won: bool = True,
        owner_id: str = "005A",
    ) -> None:
        """Create or update an opportunity: SystemModstamp moves forward, as in Salesforce."""
        with self._lock:
            previous = self.opportunities.get(opportunity_id)
            now = datetime.now(UTC)
            stamp = now.replace(microsecond=now.microsecond // 1000 * 1000)  # Salesforce: ms
            newest = max((o.modstamp for o in self.opportunities.values()), default=None)
            if newest is not None and stamp <= newest:
                stamp = newest + timedelta(milliseconds=1)
            self.opportunities[opportunity_id] = FakeOpportunity(
                id=opportunity_id,
                name=name or (previous.name if previous else ""),
                amount=amount if amount is not None else (previous.amount if previous else None),
                currency=currency,
                stage=stage,
                is_won=is_won,
                owner_id=owner_id,
                modstamp=stamp,
            )

    def expire_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def fail_next(self, path_prefix: str, status: int = 500, times: int = 1) -> None:
        with self._lock:
            self._faults.extend([(path_prefix, status)] * times)

    def hold_queries(self) -> None:
        """The next opportunity query waits until `release()` (two polls meet)."""
        self._hold = threading.Event()
        self._held.clear()

    def wait_held(self, timeout: float = 10.0) -> bool:
        return self._held.wait(timeout)

    def release(self) -> None:
        if self._hold is not None:
            self._hold.set()

    def calls(self, path_prefix: str = "", method: str | None = None) -> list[Request]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.path.startswith(path_prefix) and (method is None or r.method == method)
            ]

    def queries(self) -> list[str]:
        return [r.query["q"][0] for r in self.calls("/services/data/") if "q" in r.query]

    # ------------------------------------------------------------ token endpoint

    def _post(self, raw_path: str, form: dict[str, list[str]]) -> tuple[int, Any]:
        path = urlsplit(raw_path).path
        with self._lock:
            self.requests.append(Request("POST", path, {}, form, ""))
        if path != "/services/oauth2/token":
            return 404, [
                {"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}
            ]
        value = {k: v[0] for k, v in form.items()}
        grant = value.get("grant_type")
        if grant == "password":
            ok = (
                value.get("client_id") == self.client_id
                and value.get("client_secret") == self.client_secret
                and value.get("username") == self.username
                and value.get("password") == self.password
            )
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            ok = self._valid_assertion(value.get("assertion", ""))
        else:
            return 400, {
                "error": "unsupported_grant_type",
                "error_description": "grant type not supported",
            }
        if not ok:
            return 400, {"error": "invalid_grant", "error_description": "authentication failure"}
        token = "00DFAKE!" + uuid.uuid4().hex
        with self._lock:
            self._tokens.add(token)
            self.issued.append(token)
        return 200, {
            "access_token": token,
            "instance_url": self.url,
            "id": f"{self.url}/id/00DFAKE0000000001/005A",
            "token_type": "Bearer",
            "issued_at": str(int(datetime.now(UTC).timestamp() * 1000)),
            "signature": "x",
        }

    # ------------------------------------------------------------ SOAP login()

    def _soap_login(self, raw_path: str, raw: bytes) -> tuple[int, str]:
        path = urlsplit(raw_path).path
        try:
            envelope = ElementTree.fromstring(raw)
        except ElementTree.ParseError:
            return _soap_fault("INVALID_REQUEST", "the request is not XML")
        username = envelope.findtext(f".//{{{PARTNER}}}username") or ""
        password = envelope.findtext(f".//{{{PARTNER}}}password") or ""
        with self._lock:
            self.requests.append(
                Request("POST", path, {}, {"username": [username], "password": [password]}, "")
            )
        version = path.rsplit("/", 1)[-1]
        if not re.fullmatch(r"\d{2}\.0", version) or float(version) >= 65.0:
            return _soap_fault(
                "UNSUPPORTED_API_VERSION", f"Invalid Api version specified on URL: {version}"
            )
        bare = (self.password or "")[: len(self.password or "") - len(self.security_token)]
        if username != self.username or not password.startswith(bare) or not bare:
            return _soap_fault(
                "INVALID_LOGIN", "Invalid username, password, security token; or user locked out."
            )
        if password != self.password:
            return _soap_fault(
                "LOGIN_MUST_USE_SECURITY_TOKEN",
                "Invalid username, password, security token; or user locked out. Are you at a "
                "new location? When accessing Salesforce--either via a desktop client or the "
                "API--from outside of your company's trusted networks, you must add a security "
                "token to your password to log in.",
            )
        token = "00DFAKE!" + uuid.uuid4().hex
        with self._lock:
            self._tokens.add(token)
            self.issued.append(token)
        return 200, (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            f'xmlns="{PARTNER}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            "<soapenv:Body><loginResponse><result>"
            f"<metadataServerUrl>{self.url}/services/Soap/m/{version}/00DFAKE</metadataServerUrl>"
            "<passwordExpired>false</passwordExpired><sandbox>false</sandbox>"
            f"<serverUrl>{self.url}/services/Soap/u/{version}/00DFAKE</serverUrl>"
            f"<sessionId>{token}</sessionId><userId>005A</userId>"
            "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
        )

    def _valid_assertion(self, assertion: str) -> bool:
        if self.jwt_public_key is None:
            return False
        try:
            claims = jwt.decode(
                assertion,
                self.jwt_public_key,
                algorithms=["RS256"],
                audience="https://login.salesforce.com",
                options={"require": ["exp", "iss", "sub", "aud"]},
            )
        except jwt.PyJWTError:
            return False
        return claims["iss"] == self.client_id and claims["sub"] == self.username

    # ------------------------------------------------------------ REST API

    def _get(self, raw_path: str, authorization: str) -> tuple[int, Any]:
        url = urlsplit(raw_path)
        query = parse_qs(url.query)
        with self._lock:
            self.requests.append(Request("GET", url.path, query, {}, authorization))
            token = authorization.removeprefix("Bearer ")
            if self.refuse_sessions or token not in self._tokens:
                return 401, INVALID_SESSION
            for index, (prefix, status) in enumerate(self._faults):
                if url.path.startswith(prefix):
                    del self._faults[index]
                    return status, [{"errorCode": "UNKNOWN_EXCEPTION", "message": "injected"}]
        more = re.fullmatch(r"/services/data/v[\d.]+/query/([\w-]+)", url.path)
        if more:
            return self._page(more.group(1))
        if re.fullmatch(r"/services/data/v[\d.]+/query/?", url.path):
            return self._query(query.get("q", [""])[0])
        user = re.fullmatch(r"/services/data/v[\d.]+/sobjects/User/(\w+)", url.path)
        if user:
            with self._lock:
                found = self.users.get(user.group(1))
            if found is None:
                return 404, [
                    {"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}
                ]
            return 200, {"attributes": {"type": "User"}, **found}
        return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]

    def _query(self, soql: str) -> tuple[int, Any]:
        if soql == "SELECT DefaultCurrencyIsoCode FROM Organization":
            return 200, {
                "totalSize": 1,
                "done": True,
                "records": [
                    {
                        "attributes": {"type": "Organization"},
                        "DefaultCurrencyIsoCode": self.org_currency,
                    }
                ],
            }
        shape = re.fullmatch(
            r"SELECT (?P<fields>.+) FROM Opportunity WHERE (?P<won>IsWon = true|StageName IN "
            r"\((?P<stages>.*)\)) AND SystemModstamp > (?P<since>\S+) ORDER BY SystemModstamp, Id",
            soql,
        )
        if shape is None:
            return 400, [{"errorCode": "MALFORMED_QUERY", "message": f"unexpected query: {soql}"}]
        fields = [f.strip() for f in shape["fields"].split(",")]
        if "CurrencyIsoCode" in fields and not self.multi_currency:
            return 400, [
                {
                    "errorCode": "INVALID_FIELD",
                    "message": "No such column 'CurrencyIsoCode' on entity 'Opportunity'.",
                }
            ]
        since = datetime.fromisoformat(shape["since"])
        stages = re.findall(r"'((?:[^'\\]|\\.)*)'", shape["stages"] or "")
        if self._hold is not None:
            self._held.set()
            self._hold.wait(10)
            self._hold = None
        with self._lock:
            rows = sorted(
                (
                    o
                    for o in self.opportunities.values()
                    if o.modstamp > since
                    and (o.stage in stages if shape["stages"] is not None else o.is_won)
                ),
                key=lambda o: (o.modstamp, o.id),
            )
            records = [self._record(o, fields) for o in rows]
        return self._paged(records)

    def _record(self, o: FakeOpportunity, fields: list[str]) -> dict[str, Any]:
        owner = self.users.get(o.owner_id)
        values: dict[str, Any] = {
            "Id": o.id,
            "Name": o.name,
            "Amount": o.amount,
            "StageName": o.stage,
            "IsWon": o.is_won,
            "SystemModstamp": o.modstamp.strftime("%Y-%m-%dT%H:%M:%S.")
            + f"{o.modstamp.microsecond // 1000:03d}+0000",
            "CurrencyIsoCode": o.currency,
            "Owner": (
                {"attributes": {"type": "User"}, "Email": owner["Email"], "Name": owner["Name"]}
                if owner
                else None
            ),
        }
        record: dict[str, Any] = {
            "attributes": {
                "type": "Opportunity",
                "url": f"/services/data/v62.0/sobjects/Opportunity/{o.id}",
            }
        }
        for name in fields:
            top = name.split(".")[0]
            record[top] = values[top]
        return record

    def _paged(self, records: list[dict[str, Any]]) -> tuple[int, Any]:
        first, rest = records[: self.page_size], records[self.page_size :]
        answer: dict[str, Any] = {"totalSize": len(records), "done": not rest, "records": first}
        if rest:
            locator = f"01gFAKE{uuid.uuid4().hex[:10]}-{self.page_size}"
            with self._lock:
                self._cursors[locator] = rest
            answer["nextRecordsUrl"] = f"/services/data/v62.0/query/{locator}"
        return 200, answer

    def _page(self, locator: str) -> tuple[int, Any]:
        with self._lock:
            rest = self._cursors.pop(locator, None)
        if rest is None:
            return 400, [{"errorCode": "INVALID_QUERY_LOCATOR", "message": "invalid query locator"}]
        first, remaining = rest[: self.page_size], rest[self.page_size :]
        answer: dict[str, Any] = {"totalSize": len(rest), "done": not remaining, "records": first}
        if remaining:
            next_locator = f"01gFAKE{uuid.uuid4().hex[:10]}-{self.page_size}"
            with self._lock:
                self._cursors[next_locator] = remaining
            answer["nextRecordsUrl"] = f"/services/data/v62.0/query/{next_locator}"
        return 200, answer
