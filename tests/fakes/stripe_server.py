"""A local stand-in for Stripe's HTTP API, for tests: a real HTTP server on a free port.

It speaks the wire format stripe-python uses — form-encoded requests (``metadata[cvr]=…``,
``preferred_locales[0]=da``), ``Authorization: Bearer sk_…``, JSON responses shaped like
Stripe objects (``object``, ``id``, ``livemode``, lists and search results) and errors as
``{"error": {"type", "code", "message", "param"}}`` — for the endpoints Robotkontor uses:
customers (create, retrieve, search), invoices (create, retrieve, finalize) and invoice
items (create, list). POST requests honour ``Idempotency-Key`` as Stripe does: the same key
with the same parameters replays the first response (``Idempotent-Replayed: true``), with
other parameters it is refused; requests that fail validation are not remembered.

Test controls: ``drop_responses(path, times)`` processes the next requests to a path but
drops the connection before answering (a network failure after Stripe acted);
``pay_invoice(id)`` pays an invoice as a customer would and returns the ``invoice.paid``
event Stripe would deliver.
"""

import itertools
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

API_VERSION = "2026-10-28.endive"


class ApiError(Exception):
    def __init__(self, status: int, message: str, *, code: str = "", param: str = ""):
        super().__init__(message)
        self.status = status
        self.body = {
            "error": {
                "type": "invalid_request_error" if status < 500 else "api_error",
                "message": message,
                **({"code": code} if code else {}),
                **({"param": param} if param else {}),
            }
        }


def decode_form(pairs: list[tuple[str, str]]) -> dict:
    """``a[b][0]=x`` pairs into nested dicts; dicts keyed 0, 1, … become lists."""
    root: dict = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(root)


def _listify(node):
    if not isinstance(node, dict):
        return node
    node = {key: _listify(value) for key, value in node.items()}
    if node and all(key.isdigit() for key in node):
        return [node[key] for key in sorted(node, key=int)]
    return node


def _bool(value, default: bool) -> bool:
    return default if value is None else value == "true"


def _int(params: dict, name: str, *, required: bool = False) -> int | None:
    if name not in params:
        if required:
            raise ApiError(
                400, f"Missing required param: {name}.", code="parameter_missing", param=name
            )
        return None
    try:
        return int(params[name])
    except ValueError:
        raise ApiError(
            400, f"Invalid integer: {params[name]}", code="parameter_invalid_integer", param=name
        ) from None


class FakeStripe:
    def __init__(self):
        self.customers: dict[str, dict] = {}
        self.invoices: dict[str, dict] = {}
        self.invoice_items: dict[str, dict] = {}
        self.requests: list[dict] = []
        self._idempotent: dict[tuple[str, str], tuple[dict, int, str]] = {}
        self._drops: dict[str, int] = {}
        self._ids = itertools.count(1)
        self._invoice_numbers = itertools.count(1)
        self._lock = threading.RLock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- lifecycle and test controls ------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeStripe":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def drop_responses(self, path: str, times: int = 1) -> None:
        """The next ``times`` requests to ``path`` are processed, but never answered."""
        self._drops[path] = times

    def posts(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == "POST" and r["path"] == path]

    def add_customer(self, **fields) -> dict:
        """A customer made outside Robotkontor (e.g. in Stripe's dashboard)."""
        with self._lock:
            return self._create_customer(decode_form(list(_flatten(fields))))

    def pay_invoice(self, invoice_id: str) -> dict:
        """Pay an open invoice; returns the ``invoice.paid`` event Stripe would send."""
        with self._lock:
            invoice = self.invoices[invoice_id]
            assert invoice["status"] == "open", invoice["status"]
            now = int(time.time())
            invoice.update(
                status="paid",
                paid=True,
                amount_paid=invoice["amount_due"],
                amount_remaining=0,
            )
            invoice["status_transitions"]["paid_at"] = now
            return {
                "id": self._id("evt"),
                "object": "event",
                "api_version": API_VERSION,
                "created": now,
                "livemode": False,
                "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None},
                "type": "invoice.paid",
                "data": {"object": json.loads(json.dumps(invoice))},
            }

    # --- objects --------------------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self._ids):06d}{secrets.token_hex(4)}"

    def _create_customer(self, params: dict) -> dict:
        customer = {
            "id": self._id("cus"),
            "object": "customer",
            "created": int(time.time()),
            "livemode": False,
            "name": params.get("name"),
            "email": params.get("email"),
            "preferred_locales": params.get("preferred_locales", []),
            "metadata": params.get("metadata", {}),
            "currency": None,
            "balance": 0,
            "delinquent": False,
        }
        self.customers[customer["id"]] = customer
        return customer

    def _customer(self, customer_id: str | None) -> dict:
        if not customer_id:
            raise ApiError(
                400, "Missing required param: customer.", code="parameter_missing", param="customer"
            )
        if customer_id not in self.customers:
            raise ApiError(
                404, f"No such customer: '{customer_id}'", code="resource_missing", param="customer"
            )
        return self.customers[customer_id]

    def _invoice(self, invoice_id: str, param: str = "id") -> dict:
        if invoice_id not in self.invoices:
            raise ApiError(
                404, f"No such invoice: '{invoice_id}'", code="resource_missing", param=param
            )
        return self.invoices[invoice_id]

    def _create_invoice(self, params: dict) -> dict:
        customer = self._customer(params.get("customer"))
        method = params.get("collection_method", "charge_automatically")
        days = _int(params, "days_until_due")
        if method == "send_invoice" and days is None:
            raise ApiError(
                400,
                "Missing required param: days_until_due.",
                code="parameter_missing",
                param="days_until_due",
            )
        now = int(time.time())
        invoice = {
            "id": self._id("in"),
            "object": "invoice",
            "created": now,
            "livemode": False,
            "customer": customer["id"],
            "currency": params.get("currency", "usd"),
            "collection_method": method,
            "days_until_due": days,
            "due_date": None,
            "auto_advance": _bool(params.get("auto_advance"), False),
            "description": params.get("description"),
            "metadata": params.get("metadata", {}),
            "number": None,
            "status": "draft",
            "paid": False,
            "subtotal": 0,
            "total": 0,
            "amount_due": 0,
            "amount_paid": 0,
            "amount_remaining": 0,
            "hosted_invoice_url": None,
            "lines": {"object": "list", "data": [], "has_more": False, "url": ""},
            "status_transitions": {
                "finalized_at": None,
                "paid_at": None,
                "voided_at": None,
                "marked_uncollectible_at": None,
            },
        }
        invoice["lines"]["url"] = f"/v1/invoices/{invoice['id']}/lines"
        self.invoices[invoice["id"]] = invoice
        return invoice

    def _create_invoice_item(self, params: dict) -> dict:
        customer = self._customer(params.get("customer"))
        if not params.get("currency"):
            raise ApiError(
                400, "Missing required param: currency.", code="parameter_missing", param="currency"
            )
        amount = _int(params, "amount", required=True)
        invoice = None
        if params.get("invoice"):
            invoice = self._invoice(params["invoice"], param="invoice")
            if invoice["status"] != "draft":
                raise ApiError(
                    400,
                    "You can only add invoice items to draft invoices.",
                    code="invoice_not_editable",
                    param="invoice",
                )
            if invoice["customer"] != customer["id"] or invoice["currency"] != params["currency"]:
                raise ApiError(
                    400, "The invoice's customer and currency must match.", param="invoice"
                )
        item = {
            "id": self._id("ii"),
            "object": "invoiceitem",
            "date": int(time.time()),
            "livemode": False,
            "customer": customer["id"],
            "currency": params["currency"],
            "amount": amount,
            "description": params.get("description"),
            "metadata": params.get("metadata", {}),
            "invoice": invoice["id"] if invoice else None,
        }
        self.invoice_items[item["id"]] = item
        if invoice is not None:
            invoice["lines"]["data"].append(
                {
                    "id": f"il_{item['id']}",
                    "object": "line_item",
                    "amount": amount,
                    "currency": item["currency"],
                    "description": item["description"],
                    "metadata": item["metadata"],
                }
            )
            for field in ("subtotal", "total", "amount_due", "amount_remaining"):
                invoice[field] += amount
        return item

    def _finalize(self, invoice_id: str, params: dict) -> dict:
        invoice = self._invoice(invoice_id)
        if invoice["status"] != "draft":
            raise ApiError(
                400,
                f"This invoice is already {invoice['status']}.",
                code="invoice_unexpected_state",
            )
        now = int(time.time())
        invoice["status"] = "open"
        invoice["number"] = f"FAKE-{next(self._invoice_numbers):04d}"
        invoice["auto_advance"] = _bool(params.get("auto_advance"), invoice["auto_advance"])
        invoice["status_transitions"]["finalized_at"] = now
        if invoice["days_until_due"] is not None:
            invoice["due_date"] = now + invoice["days_until_due"] * 86400
        invoice["hosted_invoice_url"] = f"https://invoice.stripe.com/i/{invoice['id']}"
        return invoice

    def _search_customers(self, query: str) -> dict:
        clauses = re.findall(r"metadata\['([^']+)'\]:'([^']*)'", query)
        if not clauses or len(clauses) != len(re.split(r"\s+AND\s+", query.strip())):
            raise ApiError(
                400, f"Invalid search query: {query}", code="parameter_invalid", param="query"
            )
        found = [
            customer
            for customer in self.customers.values()
            if all(customer["metadata"].get(key) == value for key, value in clauses)
        ]
        return {
            "object": "search_result",
            "url": "/v1/customers/search",
            "has_more": False,
            "next_page": None,
            "data": found,
        }

    def _list_items(self, params: dict) -> dict:
        items = [
            item
            for item in self.invoice_items.values()
            if not params.get("invoice") or item["invoice"] == params["invoice"]
        ]
        limit = _int(params, "limit") or 10
        return {
            "object": "list",
            "url": "/v1/invoiceitems",
            "has_more": len(items) > limit,
            "data": items[:limit],
        }

    # --- routing --------------------------------------------------------------------------

    def _route(self, method: str, path: str, params: dict) -> dict:
        routes = [
            (
                "GET",
                r"/v1/customers/search",
                lambda: self._search_customers(params.get("query", "")),
            ),
            ("POST", r"/v1/customers", lambda: self._create_customer(params)),
            ("GET", r"/v1/customers/(?P<id>[^/]+)", lambda id: self._customer(id)),
            ("POST", r"/v1/invoices", lambda: self._create_invoice(params)),
            ("GET", r"/v1/invoices/(?P<id>[^/]+)", lambda id: self._invoice(id)),
            ("POST", r"/v1/invoices/(?P<id>[^/]+)/finalize", lambda id: self._finalize(id, params)),
            ("POST", r"/v1/invoiceitems", lambda: self._create_invoice_item(params)),
            ("GET", r"/v1/invoiceitems", lambda: self._list_items(params)),
        ]
        for verb, pattern, action in routes:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                return action(**match.groupdict())
        raise ApiError(404, f"Unrecognized request URL ({method}: {path}).")

    def _handle(self, method: str, path: str, headers, body: str) -> tuple[int, str, bool]:
        """(status, JSON body, replayed) for one request."""
        if not (headers.get("Authorization") or "").startswith("Bearer sk_"):
            raise ApiError(401, "Invalid API Key provided.")
        split = urlsplit(path)
        pairs = parse_qsl(split.query if method == "GET" else body, keep_blank_values=True)
        params = decode_form(pairs)
        key = headers.get("Idempotency-Key") if method == "POST" else None
        with self._lock:
            self.requests.append(
                {"method": method, "path": split.path, "params": params, "idempotency_key": key}
            )
            scope = (headers["Authorization"], key or "")
            if key and scope in self._idempotent:
                first_params, status, response = self._idempotent[scope]
                if first_params != params:
                    raise ApiError(
                        400,
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with.",
                        code="idempotency_key_in_use",
                    )
                return status, response, True
            response = json.dumps(self._route(method, split.path, params))
            if key:
                self._idempotent[scope] = (params, 200, response)
            return 200, response, False

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                try:
                    status, response, replayed = fake._handle(method, self.path, self.headers, body)
                except ApiError as error:
                    status, response, replayed = error.status, json.dumps(error.body), False
                path = urlsplit(self.path).path
                with fake._lock:
                    if fake._drops.get(path):
                        fake._drops[path] -= 1
                        self.close_connection = True
                        return
                payload = response.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Request-Id", f"req_{secrets.token_hex(8)}")
                self.send_header("Stripe-Version", API_VERSION)
                if replayed:
                    self.send_header("Idempotent-Replayed", "true")
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def log_message(self, format, *args):
                """Quiet: tests read ``fake.requests`` instead."""

        return Handler


def _flatten(fields: dict, prefix: str = ""):
    """Nested fields as form pairs, the way stripe-python encodes them."""
    for name, value in fields.items():
        key = f"{prefix}[{name}]" if prefix else name
        if isinstance(value, dict):
            yield from _flatten(value, key)
        elif isinstance(value, list):
            yield from _flatten({str(i): item for i, item in enumerate(value)}, key)
        else:
            yield key, str(value)
