"""The annotation web app (Starlette, server-rendered Jinja2 templates, static files served locally).

Security model: annotators log in with a per-person token (stored hashed); the session cookie is
HttpOnly and SameSite=Strict and holds a random id whose hash is in the database; every POST carries
a CSRF token (bound to the session, or a double-submit cookie on the login form); templates escape
everything; a Content-Security-Policy allows only this server's own files; errors render a short page,
never a stack trace. Submissions per annotator per minute and failed logins per client are bounded.
An annotator sees only tasks handed to them and their own judgements; the admin page needs an admin.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from safety.taxonomy import CATEGORIES
from toolkit.annotate.store import Annotator, Assignment, Store

HERE = Path(__file__).parent
SESSION_COOKIE = "annotate_session"
LOGIN_CSRF_COOKIE = "annotate_login_csrf"
MAX_RATIONALE = 2000
MAX_ANSWER = 8000
MAX_BODY_BYTES = 256 * 1024
FAILED_LOGINS_PER_MINUTE = 10
CHOICES = ("left", "right", "tie", "both_bad")
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


@dataclass(frozen=True)
class AppSettings:
    max_submissions_per_minute: int = 30
    secure_cookies: bool = False  # set when served over HTTPS behind a proxy


class FormProblem(ValueError):
    """Bad form input: shown to the annotator next to the form, the task stays open."""


class _SecurityHeaders:
    """ASGI middleware: the same protective headers on every response."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _LoginThrottle:
    """Failed logins per client address in a sliding minute (in memory: one server process)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.failures: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def blocked(self, client: str) -> bool:
        with self.lock:
            window = self.failures[client]
            while window and window[0] < time.monotonic() - 60:
                window.popleft()
            return len(window) >= self.limit

    def failed(self, client: str) -> None:
        with self.lock:
            self.failures[client].append(time.monotonic())


def _harm_options() -> list[tuple[str, str]]:
    return [(c.id, c.title) for c in CATEGORIES.values()]


def parse_judgement(form: FormData, assignment: Assignment) -> dict[str, Any]:
    """Validate a submitted form against its task; raises FormProblem with a message for people."""
    task = assignment.task
    rationale = str(form.get("rationale") or "").strip()
    if len(rationale) > MAX_RATIONALE:
        raise FormProblem(f"The rationale is too long ({len(rationale)} characters; at most {MAX_RATIONALE}).")
    if task.kind == "write":
        answer = str(form.get("answer") or "").strip()
        if not answer:
            raise FormProblem("The answer is empty: write the answer the user should get.")
        if len(answer) > MAX_ANSWER:
            raise FormProblem(f"The answer is too long ({len(answer)} characters; at most {MAX_ANSWER}).")
        return {"choice": None, "harm_categories": {}, "rationale": rationale or None, "answer": answer}
    choice = str(form.get("choice") or "")
    if choice not in CHOICES:
        raise FormProblem("Choose which answer is better, or tie / both bad.")
    harms: dict[str, list[str]] = {}
    for side in ("left", "right"):
        ticked = [str(v) for v in form.getlist(f"harm_{side}")]
        unknown = [v for v in ticked if v not in CATEGORIES]
        if unknown:
            raise FormProblem(f"Unknown safety category {unknown[0][:40]!r}; tick only the listed ones.")
        harms[side] = sorted(set(ticked))
    if task.kind == "rank" and len(rationale) < 3:
        raise FormProblem("The rationale is required: say in a sentence why.")
    # Screen order -> task order: for a swapped assignment the left answer is the task's second.
    to_task = {"left": "second", "right": "first"} if assignment.swapped else {"left": "first", "right": "second"}
    return {
        "choice": to_task.get(choice, choice),
        "harm_categories": {to_task[side]: ticked for side, ticked in harms.items() if ticked},
        "rationale": rationale or None,
        "answer": None,
    }


def create_app(db_path: str | Path, settings: AppSettings | None = None) -> Starlette:
    """The ASGI app over one annotation database."""
    settings = settings or AppSettings()
    store = Store(db_path)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True, undefined=jinja2.StrictUndefined
    )
    templates = Jinja2Templates(env=environment)
    throttle = _LoginThrottle(FAILED_LOGINS_PER_MINUTE)

    def page(request: Request, name: str, code: int = 200, **context: Any) -> Response:
        for key in ("user", "message", "saved"):
            context.setdefault(key, None)
        context.setdefault("csrf", "")
        return templates.TemplateResponse(request, name, context, status_code=code)

    async def current(request: Request) -> tuple[Annotator, str] | None:
        session_id = request.cookies.get(SESSION_COOKIE)
        if not session_id:
            return None
        return await run_in_threadpool(store.session, session_id)

    async def require(request: Request) -> tuple[Annotator, str]:
        found = await current(request)
        if found is None:
            raise HTTPException(401, "Please log in with your annotator token.")
        return found

    def check_csrf(form: FormData, expected: str) -> None:
        sent = str(form.get("csrf") or "")
        if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
            raise HTTPException(403, "This form has expired or did not come from this site. Reload the page and try again.")

    async def home(request: Request) -> Response:
        return RedirectResponse("/task" if await current(request) else "/login", status_code=303)

    async def login_form(request: Request, message: str | None = None, status: int = 200) -> Response:
        token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
        response = page(request, "login.html", status, csrf=token, message=message)
        response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=settings.secure_cookies)
        return response

    async def login(request: Request) -> Response:
        form = await request.form()
        check_csrf(form, request.cookies.get(LOGIN_CSRF_COOKIE, ""))
        client = request.client.host if request.client else "?"
        if throttle.blocked(client):
            return await login_form(request, "Too many failed logins. Wait a minute, then try again.", 429)
        annotator = await run_in_threadpool(store.annotator_by_token, str(form.get("token") or "").strip())
        if annotator is None:
            throttle.failed(client)
            return await login_form(request, "That token is not valid. Ask your coordinator for yours.", 401)
        session_id, _ = await run_in_threadpool(store.open_session, annotator.id)
        response = RedirectResponse("/task", status_code=303)
        response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="strict", secure=settings.secure_cookies)
        response.delete_cookie(LOGIN_CSRF_COOKIE)
        return response

    async def logout(request: Request) -> Response:
        user, csrf = await require(request)
        check_csrf(await request.form(), csrf)
        await run_in_threadpool(store.close_session, request.cookies[SESSION_COOKIE])
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    def task_page(request: Request, user: Annotator, csrf: str, assignment: Assignment, **extra: Any) -> Response:
        status = extra.pop("status", 200)
        task = assignment.task
        context: dict[str, Any] = {"user": user, "csrf": csrf, "task": task, "prompt": task.prompt_text(),
                                   "harm_options": _harm_options(), "message": None, "saved": None, "form": {}}
        if task.kind in ("rank", "study"):
            pair = list(task.responses or []) if task.kind == "rank" else [task.base or "", task.tuned or ""]
            context["left"], context["right"] = (pair[1], pair[0]) if assignment.swapped else (pair[0], pair[1])
        context.update(extra)
        return page(request, f"task_{task.kind}.html", status, **context)

    async def next_task(request: Request) -> Response:
        found = await current(request)
        if found is None:
            return RedirectResponse("/login", status_code=303)
        user, csrf = found
        saved = request.query_params.get("saved")
        assignment = await run_in_threadpool(store.next_assignment, user.id)
        if assignment is None:
            return page(request, "done.html", user=user, csrf=csrf, saved=saved)
        return task_page(request, user, csrf, assignment, saved=saved)

    async def submit(request: Request) -> Response:
        user, csrf = await require(request)
        form = await request.form()
        check_csrf(form, csrf)
        task_id = request.path_params["task_id"]
        found = await run_in_threadpool(store.assignment, user.id, task_id)
        if found is None:
            raise HTTPException(404, "This task was not handed to you.")
        assignment, submitted = found
        if submitted:
            raise HTTPException(409, "You already submitted this task; it is saved. Go on with the next one.")
        recent = await run_in_threadpool(store.recent_submissions, user.id, 60.0)
        if recent >= settings.max_submissions_per_minute:
            return task_page(
                request, user, csrf, assignment, status=429, form=dict(form),
                message=f"Slow down: at most {settings.max_submissions_per_minute} submissions a minute. "
                "Your answer is still in the form; submit it again in a moment.",
            )
        try:
            judgement = parse_judgement(form, assignment)
        except FormProblem as problem:
            return task_page(request, user, csrf, assignment, status=400, message=str(problem), form=dict(form))
        stored = await run_in_threadpool(
            store.submit, user.id, assignment.task, assignment.swapped, judgement["choice"],
            judgement["harm_categories"], judgement["rationale"], judgement["answer"],
        )
        if stored is None:
            raise HTTPException(409, "You already submitted this task; it is saved. Go on with the next one.")
        # Committed above: only now does the page confirm.
        return RedirectResponse(f"/task?{urlencode({'saved': task_id})}", status_code=303)

    async def mine(request: Request) -> Response:
        user, csrf = await require(request)
        judgements = await run_in_threadpool(store.judgements, user.id)
        return page(request, "mine.html", user=user, csrf=csrf, judgements=judgements)

    async def admin(request: Request) -> Response:
        user, csrf = await require(request)
        if not user.is_admin:
            raise HTTPException(403, "The admin page is for coordinators.")
        summary = await run_in_threadpool(admin_summary, store)
        return page(request, "admin.html", user=user, csrf=csrf, **summary)

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else "Something went wrong on our side."
        if status == 401:
            return RedirectResponse("/login", status_code=303) if request.method == "GET" else page(
                request, "error.html", 401, status=401, detail=detail)
        return page(request, "error.html", status, status=status, detail=detail)

    async def server_error(request: Request, exc: Exception) -> Response:
        return page(request, "error.html", 500, status=500,
                    detail="Something went wrong on our side. Your confirmed submissions are saved.")

    routes = [
        Route("/", home),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/task", next_task, methods=["GET"]),
        Route("/task/{task_id:path}", submit, methods=["POST"]),
        Route("/mine", mine),
        Route("/admin", admin),
        Route("/healthz", health),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error, 500: server_error},
        max_body_size=MAX_BODY_BYTES,
    )
    app.add_middleware(_SecurityHeaders)
    app.state.store = store
    return app


def admin_summary(store: Store) -> dict[str, Any]:
    """What the admin page shows: progress, agreement per task kind, user-study win rates, quarantine."""
    from toolkit.annotate.export import study_judgements
    from toolkit.annotate.study import study_results
    from toolkit.data.stats import nominal_agreement

    tasks = {task.id: task for task in store.tasks()}
    judgements = store.judgements()
    expertise = {a.id: a.expertise for a in store.annotators()}
    agreement = {}
    for kind in ("rank", "study"):
        ratings: dict[str, dict[str, str]] = defaultdict(dict)
        for judgement in judgements:
            if judgement.kind == kind and judgement.choice:
                ratings[judgement.task_id][judgement.annotator_id] = judgement.choice
        agreement[kind] = nominal_agreement(ratings)
    return {
        "progress": store.progress(),
        "agreement": agreement,
        "study": study_results(study_judgements(tasks, judgements, expertise)),
        "quarantine": store.quarantine(),
    }


def serve(db_path: str | Path, host: str, port: int, settings: AppSettings | None = None) -> None:
    """Run the app with uvicorn (blocking)."""
    import uvicorn

    uvicorn.run(create_app(db_path, settings), host=host, port=port, log_level="warning", access_log=False,
                server_header=False)
