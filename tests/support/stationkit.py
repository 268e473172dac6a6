"""Station test kit: constants and builders shared by the station tests and their fixtures.

``station_home``: an enrolled station home (as ``enroll`` leaves it, without the network):
store open, DEK created, station key sealed, recovery wrap, staff accounts applied, a
few persons in the township's registry slice. ``session``: clerk ``clerk1`` logged in
(first login on this PC, through the recovery key). Times are fixed in 2026, where the
holiday calendar is known (chinesecalendar has no 2027 data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlite_utils import Database

from schema.identifiers import make_resident_id
from schema.passwords import hash_password
from schema.protocol import Change, ChangeKind, EnrolResponse
from schema.receipt_numbers import ReceiptRange
from schema.records import PersonRecord, ReceiptStockRecord, StaffAccount
from schema.vocabulary import Role
from station_client.crypto import station_key
from station_client.crypto.keys import DataKey
from station_client.paths import StationPaths
from station_client.services import receipt_stock
from station_client.services.enrolment import initialise_station
from station_client.services.session import Session, login
from station_client.store import open_store, registry, staff

STATION_ID = "511102004-00"  # 乐山市市中区大佛街道, the township's own station
TOWNSHIP = "511102004"
SERVER_URL = "https://ssb.leshan.test"
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # Thursday 10:00 in Leshan
TODAY = date(2026, 11, 26)
PASSWORDS = {
    "clerk1": "Zhang-Desk-2026",
    "clerk2": "Li-Desk-2026",
    "gone": "Gone-2026",
    "chief1": "Chief-2026",
}

# Persons in the township's registry slice.
KNOWN_ID = make_resident_id("511102", date(1980, 5, 17), 123)  # 王建国, 46
KNOWN_NAME = "王建国"
YOUNG_ID = make_resident_id("511102", date(1990, 3, 2), 246)  # 李秀英, 36
YOUNG_NAME = "李秀英"
UNKNOWN_ID = make_resident_id("511112", date(1975, 8, 9), 311)  # not in the slice
RECEIPT_SERIES = "51110026"  # the 票据代码 of the stock the city allocated the station


def staff_account(
    username: str,
    password: str | None = None,
    *,
    version: int = 1,
    disabled: bool = False,
    role: Role = Role.CLERK,
    display_name: str | None = None,
) -> StaffAccount:
    """A StaffAccount as the server sends it (cheap scrypt cost: tests log in often)."""
    return StaffAccount(
        username=username,
        display_name=display_name or f"柜员{username}",
        role=role,
        station_id=STATION_ID if role is Role.CLERK else None,
        password_hash=hash_password(password or PASSWORDS[username], log2_n=10),
        disabled=disabled,
        version=version,
    )


def person(id_number: str, name: str, *, version: int = 1, birth: date | None = None) -> PersonRecord:
    return PersonRecord(
        id_number=id_number,
        name=name,
        sex="M" if int(id_number[16]) % 2 else "F",
        birth_date=birth or date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])),
        township=TOWNSHIP,
        phone="13800000000",
        address="乐山市市中区大佛街道滨江路1号",
        version=version,
    )


@dataclass
class StationHome:
    paths: StationPaths
    db: Database
    dek: DataKey = field(repr=False)
    recovery_key: str = field(repr=False)
    station_id: str = STATION_ID

    def login(self, username: str = "clerk1", *, now: datetime = NOW, **kwargs: object) -> Session:
        """Log in (through the recovery key when this clerk has no wrap yet)."""
        kwargs.setdefault("recovery_key", self.recovery_key)
        return login(self.db, username, PASSWORDS.get(username, ""), now=now, **kwargs)  # type: ignore[arg-type]


def make_station_home(root: StationPaths) -> StationHome:
    paths = root.ensure()
    db = open_store(paths.home)
    response = EnrolResponse(
        station_id=STATION_ID,
        station_code=STATION_ID,
        division_code=TOWNSHIP,
        catalog_version="2026.1",
        server_cert_sha256="ab" * 32,
    )
    dek, recovery_key = initialise_station(
        db, response, station_key.generate(), server_url=SERVER_URL, now=NOW
    )
    with db.atomic():
        staff.apply_account(db, staff_account("clerk1"))
        staff.apply_account(db, staff_account("clerk2"))
        staff.apply_account(db, staff_account("gone", disabled=True))
        staff.apply_account(db, staff_account("chief1", role=Role.SUPERVISOR))
        registry.upsert_person(db, dek, person(KNOWN_ID, KNOWN_NAME, version=3))
        registry.upsert_person(db, dek, person(YOUNG_ID, YOUNG_NAME))
        receipt_stock.apply_change(db, receipt_stock_change())  # the city's 票据号段, as pulled
    return StationHome(paths, db, dek, recovery_key)


def receipt_stock_change(
    *ranges: tuple[int, int], series: str = RECEIPT_SERIES, version: int | None = None
) -> Change:
    """The station's receipt stock as the city sends it (default: numbers 1 … 500, version 1;
    a test's own stock takes a higher ``version`` to replace it)."""
    made = tuple(
        ReceiptRange(range_id=i, series=series, first=first, last=last, allocated_at=NOW)
        for i, (first, last) in enumerate(ranges or ((1, 500),), start=1)
    )
    record = ReceiptStockRecord(station_id=STATION_ID, ranges=made, version=version or len(made))
    return Change(
        kind=ChangeKind.RECEIPT_STOCK,
        key=STATION_ID,
        version=record.version,
        data=record.model_dump(mode="json"),
    )
