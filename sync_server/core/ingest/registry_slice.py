"""The registry rows one push needs, held in memory for the whole batch. Pure.

``services.registry_updates`` loads the persons, enrolments and units the batch's cases
name and the staff accounts its password changes name (a few ``IN`` queries), the core
changes the slice, and the service writes back what differs from what was loaded, with
one statement per kind. Later operations of the batch see the changes of earlier ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from schema.protocol import ChangeKind
from schema.records import EnrolmentRecord, PersonRecord, StaffAccount
from schema.vocabulary import Role
from sync_server.core.feed_change import FeedChange, township_scope
from sync_server.core.registry_effects import Effect, Enrolment, Person

_SEX = {"male": "M", "female": "F", "M": "M", "F": "F"}


@dataclass(frozen=True, slots=True)
class StaffRow:
    """The columns of a ``staff`` row a password change reads and writes."""

    username: str
    display_name: str
    role: str
    station_id: str | None
    password_hash: str
    disabled: bool
    version: int
    must_change_password: bool

    def record(self) -> StaffAccount:
        return StaffAccount(
            username=self.username,
            display_name=self.display_name,
            role=Role(self.role),
            station_id=self.station_id,
            password_hash=self.password_hash,
            disabled=self.disabled,
            version=self.version,
            must_change_password=self.must_change_password,
        )


@dataclass
class RegistrySlice:
    persons: dict[str, Person] = field(default_factory=dict)
    enrolments: dict[str, dict[str, Enrolment]] = field(default_factory=dict)  # by id number, type
    unit_counties: dict[str, str] = field(default_factory=dict)  # USCC -> county
    staff: dict[str, StaffRow] = field(default_factory=dict)
    _loaded_persons: dict[str, Person] = field(default_factory=dict)
    _loaded_enrolments: dict[tuple[str, str], Enrolment] = field(default_factory=dict)
    _loaded_staff: dict[str, StaffRow] = field(default_factory=dict)

    # ---- filled by the loader -----------------------------------------------------------

    def loaded_person(self, person: Person) -> None:
        self.persons[person.id_number] = self._loaded_persons[person.id_number] = person

    def loaded_enrolment(self, e: Enrolment) -> None:
        self.enrolments.setdefault(e.id_number, {})[e.insurance_type] = e
        self._loaded_enrolments[(e.id_number, e.insurance_type)] = e

    def loaded_staff(self, row: StaffRow) -> None:
        self.staff[row.username] = self._loaded_staff[row.username] = row

    # ---- read and changed by the core ---------------------------------------------------

    def enrolments_of(self, id_number: str) -> dict[str, Enrolment]:
        return self.enrolments.get(id_number, {})

    def apply(self, effect: Effect) -> None:
        for p in effect.persons:
            self.persons[p.id_number] = p
        for e in effect.enrolments:
            self.enrolments.setdefault(e.id_number, {})[e.insurance_type] = e

    def change_password(self, username: str, password_hash: str) -> StaffRow:
        """The account with its new hash: the one-time password is gone, a new version."""
        row = replace(
            self.staff[username],
            password_hash=password_hash,
            must_change_password=False,
            version=self.staff[username].version + 1,
        )
        self.staff[username] = row
        return row

    # ---- what the writer stores ---------------------------------------------------------

    def changed_persons(self) -> list[tuple[Person | None, Person]]:
        """(as loaded, as now) for every person created or changed, in key order."""
        return [
            (self._loaded_persons.get(k), p)
            for k, p in sorted(self.persons.items())
            if self._loaded_persons.get(k) != p
        ]

    def changed_enrolments(self) -> list[tuple[Enrolment | None, Enrolment]]:
        return [
            (self._loaded_enrolments.get((e.id_number, e.insurance_type)), e)
            for by_type in self.enrolments.values()
            for e in by_type.values()
            if self._loaded_enrolments.get((e.id_number, e.insurance_type)) != e
        ]

    def changed_staff(self) -> list[StaffRow]:
        return [row for name, row in sorted(self.staff.items()) if self._loaded_staff.get(name) != row]

    def township_changes(self) -> list[FeedChange]:
        """The changed persons for the stations of their township (and a deletion for the
        township they left)."""
        out: list[FeedChange] = []
        for old, p in self.changed_persons():
            if old is not None and old.township_code and old.township_code != p.township_code:
                out.append(
                    FeedChange(township_scope(old.township_code), ChangeKind.PERSON.value, p.id_number,
                               p.version, {}, True)
                )  # fmt: skip
            if p.township_code:
                data = person_record(p, self.enrolments_of(p.id_number).values()).model_dump(mode="json")
                out.append(
                    FeedChange(township_scope(p.township_code), ChangeKind.PERSON.value, p.id_number,
                               p.version, data)
                )  # fmt: skip
        return out


def person_record(p: Person, held: Iterable[Enrolment]) -> PersonRecord:
    return PersonRecord(
        id_number=p.id_number,
        name=p.name,
        sex=_SEX.get(p.sex, p.sex),
        birth_date=p.birth_date,
        township=p.township_code or "",
        phone=p.phone,
        address=p.address,
        version=p.version,
        enrolments=tuple(
            EnrolmentRecord(
                insurance=e.insurance_type,
                county=e.county_code,
                status=e.status,
                since=e.since,
                unit_uscc=e.unit_uscc,
                version=e.version,
            )
            for e in sorted(held, key=lambda x: x.insurance_type)
        ),
    )
