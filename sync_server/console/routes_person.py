"""参保人信息: a person's records for reviewers, chiefs and supervisors.

The ID number or the name is sent only in a POST body — never in a URL, so it stays out of
the access log (uvicorn logs the request line), the browser's history and any Referer.
Masking follows the reader's role (``services.records.person_view``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from schema.divisions import load_divisions
from schema.identifiers import normalize_resident_id
from schema.normalize import clean_text
from schema.rates import load_rates
from schema.server_error_codes import SERVER_ERROR_CODES
from schema.vocabulary import Role
from sync_server.console.security import PREFIX, ConsoleRoute, ConsoleUser, require
from sync_server.console.templating import render
from sync_server.services.records.person_view import (
    Masking,
    find_by_name,
    mask_id_number,
    mask_name,
    person_page,
)

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
_READERS = (Role.REVIEWER, Role.CHIEF, Role.SUPERVISOR)
Reader = Annotated[ConsoleUser, Depends(require(*_READERS))]
PostingReader = Annotated[ConsoleUser, Depends(require(*_READERS, csrf=True))]


def _form(request: Request, **context: object) -> Response:
    townships = load_divisions().townships()
    return render(
        request,
        "console/person.html",
        {
            "townships": townships,
            "page": None,
            "matches": None,
            "problem": None,
            "name": "",
            "township": "",
            **context,
        },
    )


@router.get(f"{PREFIX}/person")
def person_search(request: Request, user: Reader) -> Response:
    return _form(request)


@router.post(f"{PREFIX}/person")
def person_lookup(
    request: Request,
    *,
    user: PostingReader,
    id_number: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=100)] = "",
    township: Annotated[str, Form(max_length=9)] = "",
    pick: Annotated[int | None, Form(ge=0, le=100)] = None,
) -> Response:
    masking: Masking = "partial" if user.role == Role.SUPERVISOR else "full"
    number = normalize_resident_id(id_number) if id_number.strip() else ""
    who = clean_text(name)
    if not number and not (who and township):
        return _form(request, problem=("person_search_empty", SERVER_ERROR_CODES["person_search_empty"][1]))
    with request.app.state.db.read() as conn:
        if number:
            page = person_page(conn, number, masking=masking, book=load_rates())
            if page is None:
                problem = ("person_not_found", SERVER_ERROR_CODES["person_not_found"][1])
                return _form(request, problem=problem)
            return _form(request, page=page)
        rows = find_by_name(conn, who, township)
        if pick is not None and pick < len(rows):  # one of the namesakes listed below was chosen
            return _form(
                request, page=person_page(conn, rows[pick].id_number, masking=masking, book=load_rates())
            )
    if not rows:
        return _form(
            request,
            problem=(
                "person_not_found",
                "该乡镇（街道）户籍人员中没有这个姓名。请核对姓名和乡镇，或改用身份证号码查询。",
            ),
        )
    # A namesake is chosen by its place in this list (name and township are posted again),
    # so not even the page's source holds an ID number the reader's role may not see.
    matches = [
        {
            "pick": i,
            "shown_id": mask_id_number(r.id_number),
            "name": r.name if masking == "full" else mask_name(r.name),
            "status": "已死亡" if r.status == "deceased" else "正常",
        }
        for i, r in enumerate(rows)
    ]
    return _form(request, matches=matches, name=who, township=township)
