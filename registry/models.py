"""The data model: municipalities of both countries, partnerships between them, their sources."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Country(enum.StrEnum):
    DE = "DE"
    UA = "UA"


class Level(enum.StrEnum):
    """Administrative level; the first group is German, the second Ukrainian."""

    LAND = "land"
    BEZIRK = "bezirk"  # Bavarian Bezirk: self-government between Kreis and Land, no official code
    KREIS = "kreis"
    GEMEINDEVERBAND = "gemeindeverband"  # Amt, Verbandsgemeinde, Samtgemeinde, ILE association
    STADT = "stadt"
    GEMEINDE = "gemeinde"
    STADTBEZIRK = "stadtbezirk"  # Berlin borough, no official code
    OBLAST = "oblast"
    CITY_SPECIAL_STATUS = "city_special_status"  # Kyiv, Sevastopol
    RAION = "raion"
    HROMADA = "hromada"


class CodeScheme(enum.StrEnum):
    AGS = "ags"  # 8-digit Amtlicher Gemeindeschlüssel
    ARS = "ars"  # 12-digit Amtlicher Regionalschlüssel
    KREIS = "kreis"  # 5-digit Kreis key
    LAND = "land"  # 2-digit Land key
    VERBAND = "verband"  # 9-digit Gemeindeverband key
    KATOTTH = "katotth"  # Ukrainian codifier, e.g. UA63120270000028556
    SETTLEMENT = "settlement"  # KATOTTH of a city, town or village inside a hromada
    OCHA = "ocha"  # OCHA COD-AB P-code
    LOCAL = "local"  # stable identifier given by this registry where no official code exists


class WarStatus(enum.StrEnum):
    """Status in the official list of hostilities and occupation (Order No. 376), rolled up per hromada."""

    NOT_LISTED = "not_listed"
    POSSIBLE_HOSTILITIES = "possible_hostilities"
    ACTIVE_HOSTILITIES = "active_hostilities"
    PARTLY_OCCUPIED = "partly_occupied"
    OCCUPIED = "occupied"
    DEOCCUPIED = "deoccupied"
    FORMER_ACTIVE_HOSTILITIES = "former_active_hostilities"
    FORMER_POSSIBLE_HOSTILITIES = "former_possible_hostilities"


class PartnershipKind(enum.StrEnum):
    PARTNERSHIP = "partnership"  # Städtepartnerschaft
    FRIENDSHIP = "friendship"  # Städtefreundschaft
    SOLIDARITY = "solidarity"  # Solidaritätspartnerschaft (since 2022)
    PROJECT = "project"  # Projektpartnerschaft
    LETTER_OF_INTENT = "letter_of_intent"  # Absichtserklärung / LoI / memorandum of intent
    OTHER = "other"


class PartnershipStatus(enum.StrEnum):
    ACTIVE = "active"
    IN_PREPARATION = "in_preparation"
    REQUESTED = "requested"
    PAUSED = "paused"
    ENDED = "ended"


class Confidence(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


def _enum(cls: type[enum.StrEnum], length: int = 32) -> Enum:
    # VARCHAR plus CHECK instead of native enums: portable and simple to extend in a migration.
    return Enum(
        cls,
        native_enum=False,
        create_constraint=True,
        length=length,
        name=cls.__name__.lower(),
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Timestamped:
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Source(Base, Timestamped):
    """A citable source: a web page, a dataset file, or a printed citation."""

    __tablename__ = "source"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(500), unique=True)  # URL, or "dataset:<file>", or citation
    url: Mapped[str | None] = mapped_column(Text)
    citation: Mapped[str] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(String(200))
    licence: Mapped[str | None] = mapped_column(String(200))
    edition: Mapped[str | None] = mapped_column(String(50))  # e.g. the Gebietsstand of a dataset
    retrieved_on: Mapped[dt.date | None] = mapped_column(Date)


class Municipality(Base, Timestamped):
    """A local or regional self-government unit on either side, with its facts and their sources."""

    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)  # string: keeps leading zeros
    code_scheme: Mapped[CodeScheme] = mapped_column(_enum(CodeScheme))
    country: Mapped[Country] = mapped_column(_enum(Country, 2), index=True)
    level: Mapped[Level] = mapped_column(_enum(Level), index=True)
    subtype: Mapped[str | None] = mapped_column(String(60))  # e.g. "Große Kreisstadt", "urban"
    name: Mapped[str] = mapped_column(String(200))  # display name without official suffixes
    name_official: Mapped[str] = mapped_column(String(300))
    name_de: Mapped[str | None] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    name_uk: Mapped[str | None] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)  # Land/oblast
    district_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)  # Kreis/raion

    population: Mapped[int | None] = mapped_column(Integer)
    population_date: Mapped[dt.date | None] = mapped_column(Date)
    population_source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"))
    area_km2: Mapped[float | None] = mapped_column(Float)
    area_source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    coordinates_source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"))

    war_status: Mapped[WarStatus | None] = mapped_column(_enum(WarStatus))
    war_status_date: Mapped[dt.date | None] = mapped_column(Date)
    occupied_since: Mapped[dt.date | None] = mapped_column(Date)
    occupation_ended: Mapped[dt.date | None] = mapped_column(Date)
    war_status_source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"))
    idp_registered: Mapped[int | None] = mapped_column(Integer)  # net figure, see data/README.md
    idp_date: Mapped[dt.date | None] = mapped_column(Date)
    idp_source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"))
    distance_to_russia_km: Mapped[float | None] = mapped_column(Float)
    distance_source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"))
    damage_note: Mapped[str | None] = mapped_column(Text)
    damage_source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"))

    source_hash: Mapped[str | None] = mapped_column(String(64))  # of the loaded source row
    # Facts edited through the API (names as in registry.facts.FACT_SOURCE): a reload keeps
    # them, with every fact citing the same source, instead of taking the bundled values.
    edited_facts: Mapped[list[str] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    parent: Mapped[Municipality | None] = relationship(
        foreign_keys=[parent_id], remote_side=[id], lazy="raise"
    )
    region: Mapped[Municipality | None] = relationship(
        foreign_keys=[region_id], remote_side=[id], lazy="raise"
    )
    district: Mapped[Municipality | None] = relationship(
        foreign_keys=[district_id], remote_side=[id], lazy="raise"
    )
    names: Mapped[list[MunicipalityName]] = relationship(
        back_populates="municipality", lazy="raise", cascade="all, delete-orphan"
    )


class MunicipalityName(Base):
    """One spelling under which a municipality can be found."""

    __tablename__ = "municipality_name"
    __table_args__ = (UniqueConstraint("municipality_id", "name", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(300))
    lang: Mapped[str] = mapped_column(String(8))  # de, en, uk, ru, la (other Latin), ...
    kind: Mapped[str] = mapped_column(String(20))  # see registry.names.NameKind
    key: Mapped[str] = mapped_column(String(300), index=True)  # normalised comparison key

    municipality: Mapped[Municipality] = relationship(back_populates="names", lazy="raise")


class MunicipalityCode(Base):
    """Every code that identifies a municipality: its own, and settlements that resolve to it."""

    __tablename__ = "municipality_code"

    code: Mapped[str] = mapped_column(String(80), primary_key=True)
    scheme: Mapped[CodeScheme] = mapped_column(_enum(CodeScheme))
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str | None] = mapped_column(String(300))  # e.g. the settlement's name


class Partnership(Base, Timestamped):
    """A tie between one German and one Ukrainian unit, at any level on each side."""

    __tablename__ = "partnership"
    __table_args__ = (UniqueConstraint("de_municipality_id", "ua_municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    de_municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    ua_municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True)
    kind: Mapped[PartnershipKind] = mapped_column(_enum(PartnershipKind))
    kind_source: Mapped[str | None] = mapped_column(String(60))  # as the source data named it
    status: Mapped[PartnershipStatus] = mapped_column(_enum(PartnershipStatus), index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    start_year: Mapped[int | None] = mapped_column(Integer, index=True)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[Confidence | None] = mapped_column(_enum(Confidence, 8))
    last_confirmed: Mapped[dt.date | None] = mapped_column(Date)
    external_ref: Mapped[str | None] = mapped_column(String(100), unique=True)  # e.g. partnerships.csv#17
    resolution_note: Mapped[str | None] = mapped_column(Text)
    source_hash: Mapped[str | None] = mapped_column(String(64))
    # Last edit through the API (fields, topics or sources); a reload leaves an edited record alone.
    edited_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    de_municipality: Mapped[Municipality] = relationship(foreign_keys=[de_municipality_id], lazy="raise")
    ua_municipality: Mapped[Municipality] = relationship(foreign_keys=[ua_municipality_id], lazy="raise")
    source_links: Mapped[list[PartnershipSource]] = relationship(
        back_populates="partnership", lazy="raise", cascade="all, delete-orphan"
    )
    topic_rows: Mapped[list[PartnershipTopic]] = relationship(lazy="raise", cascade="all, delete-orphan")


class PartnershipTopic(Base):
    """A topic of cooperation (e.g. "water", "schools"), one row per topic."""

    __tablename__ = "partnership_topic"

    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class PartnershipSource(Base):
    """Which sources a partnership cites, and in what role."""

    __tablename__ = "partnership_source"

    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), primary_key=True
    )
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(20), default="primary")  # primary | also

    partnership: Mapped[Partnership] = relationship(back_populates="source_links", lazy="raise")
    source: Mapped[Source] = relationship(lazy="raise")


class DeletedPartnership(Base):
    """A partnership of the bundled data deleted through the API, so that a reload does not re-create it."""

    __tablename__ = "deleted_partnership"

    external_ref: Mapped[str] = mapped_column(String(100), primary_key=True)  # e.g. partnerships.csv#17
    deleted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class UnresolvedRow(Base, Timestamped):
    """A source row the loader could not place, kept for review instead of being dropped."""

    __tablename__ = "unresolved_row"
    __table_args__ = (UniqueConstraint("file", "row_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file: Mapped[str] = mapped_column(String(200))
    row_ref: Mapped[str] = mapped_column(String(100))  # the row's id in its file
    line: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    candidates: Mapped[list[str]] = mapped_column(JSON, default=list)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)
    source_hash: Mapped[str] = mapped_column(String(64))


class ApiKeyRole(enum.StrEnum):
    """What an API key may do; reads need no key."""

    EDITOR = "editor"  # create and edit partnerships, sources, facts, needs and offers; import
    ADMIN = "admin"  # an editor who may also delete records


class ApiKey(Base):
    """A key for the write API. Only a SHA-256 hash of the key is stored; the key is shown once."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))  # shown in the public audit trail
    role: Mapped[ApiKeyRole] = mapped_column(_enum(ApiKeyRole, 16))
    # A key carries 256 random bits, so a fast unsalted hash is enough: there is nothing to brute-force.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # the key's first characters, to recognise it in a list
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """One write: who made it, when, to which record, and the record before and after."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity_entity_key", "entity", "entity_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(200))  # the API key's name, or "cli:<user>"
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))  # create, update, delete, import
    entity: Mapped[str] = mapped_column(String(30))  # partnership, municipality, need, offer
    entity_key: Mapped[str] = mapped_column(String(80))  # the record's id or code
    # The municipality a fact, need or offer belongs to, so its page can list them together.
    municipality_code: Mapped[str | None] = mapped_column(String(80), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class NeedCategory(Base):
    """A category of the needs/offers vocabulary (data/needs_vocabulary.csv)."""

    __tablename__ = "need_category"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    group: Mapped[str] = mapped_column(String(40))
    label_de: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    label_uk: Mapped[str] = mapped_column(String(200))
    examples: Mapped[str | None] = mapped_column(Text)
    basis: Mapped[str | None] = mapped_column(Text)  # the public programmes whose categories it follows
    position: Mapped[int] = mapped_column(Integer)  # order in the vocabulary file


class HromadaNeed(Base, Timestamped):
    """A need a Ukrainian municipality declared: one per category, priority 1 (high) to 3 (low)."""

    __tablename__ = "hromada_need"
    __table_args__ = (
        UniqueConstraint("municipality_id", "category"),
        CheckConstraint("priority BETWEEN 1 AND 3", name="priority"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(ForeignKey("need_category.code"), index=True)
    priority: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"))
    stated_on: Mapped[dt.date | None] = mapped_column(Date)  # when the need was stated
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class MunicipalityOffer(Base, Timestamped):
    """What a German municipality offers in a category of the vocabulary."""

    __tablename__ = "municipality_offer"
    __table_args__ = (UniqueConstraint("municipality_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(ForeignKey("need_category.code"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ThirdTown(Base):
    """A town outside Germany and Ukraine that partners German or Ukrainian municipalities."""

    __tablename__ = "third_town"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # "<country>:<folded name>"
    name: Mapped[str] = mapped_column(String(200))  # as the source writes it
    country: Mapped[str] = mapped_column(String(100))  # English country name, as the source writes it
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"))


class ThirdTie(Base):
    """A partnership between a German or Ukrainian municipality and a third-country town."""

    __tablename__ = "third_tie"
    __table_args__ = (UniqueConstraint("municipality_id", "town_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True
    )
    town_id: Mapped[int] = mapped_column(ForeignKey("third_town.id", ondelete="CASCADE"), index=True)
    name_in_source: Mapped[str] = mapped_column(String(200))  # how the list names the municipality
    line: Mapped[int] = mapped_column(Integer)  # the row of the source file
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"))


class WarListing(Base):
    """One period of a unit on the official list of hostilities and occupation (Order No. 376).

    Placed in the hromada (or special city) the listed unit lies in; a raion or oblast row is placed
    in each of its hromadas. `covers_centre` tells whether the listed unit includes the hromada's
    administrative centre: a hromada whose centre is occupied counts as occupied, however the list
    rolls the hromada up ("partly occupied" for Berdiansk, whose town is occupied).
    """

    __tablename__ = "war_listing"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True
    )
    listed_code: Mapped[str] = mapped_column(String(40))
    listed_level: Mapped[str] = mapped_column(String(20))  # oblast, raion, hromada, settlement
    listed_name: Mapped[str] = mapped_column(String(400))  # as the list writes it (Ukrainian)
    section: Mapped[str] = mapped_column(String(60))  # the list's section, e.g. 2_active_hostilities
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)  # None: ongoing at the list's date
    covers_centre: Mapped[bool] = mapped_column(Boolean)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"))


class AccountRole(enum.StrEnum):
    """What a browser account may do (API keys stay for machines)."""

    STAFF = "staff"  # edits its own municipality's profile, needs or offers; responds to suggestions
    COORDINATOR = "coordinator"  # everything staff do, for every municipality; invites; confirms matches
    ADMIN = "admin"  # a coordinator who may also invite coordinators and admins and disable accounts


class Account(Base):
    """A person who signs in in the browser. The password is stored as an argon2id hash only."""

    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("role != 'staff' OR municipality_id IS NOT NULL", name="staff_municipality"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(200), unique=True)  # e-mail address or user name, folded
    name: Mapped[str] = mapped_column(String(200))  # shown in the public audit trail
    role: Mapped[AccountRole] = mapped_column(_enum(AccountRole, 16))
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True
    )
    password_hash: Mapped[str | None] = mapped_column(String(200))  # None until the invitation is used
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_sign_in: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Invitation(Base):
    """A one-time link to set an account's password. Only a SHA-256 hash of its token is stored."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[str] = mapped_column(String(200))  # an account's name, or "cli:<user>"
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class SignInAttempt(Base):
    """One attempt to sign in, kept for a day: the login rate limit counts the failed ones."""

    __tablename__ = "sign_in_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)  # the client's address
    login: Mapped[str] = mapped_column(String(200), index=True)  # as typed, folded
    succeeded: Mapped[bool] = mapped_column(Boolean)


class MunicipalityProfile(Base):
    """What a municipality's own staff say about it: contact, website, languages, a self-description."""

    __tablename__ = "municipality_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), unique=True
    )
    contact_person: Mapped[str | None] = mapped_column(String(200))
    office: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(200))
    website: Mapped[str | None] = mapped_column(String(500))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO 639-1 codes
    description_de: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    description_uk: Mapped[str | None] = mapped_column(Text)
    confirmed_on: Mapped[dt.date | None] = mapped_column(Date)  # last time its staff confirmed it
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ResponseKind(enum.StrEnum):
    """A municipality's answer to a suggested partner."""

    INTERESTED = "interested"
    NOT_A_FIT = "not_a_fit"


class SuggestionResponse(Base):
    """One municipality's answer to one suggested partner; interest on both sides is a match."""

    __tablename__ = "suggestion_response"
    __table_args__ = (UniqueConstraint("municipality_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True
    )  # who answers
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True
    )  # the suggested partner
    response: Mapped[ResponseKind] = mapped_column(_enum(ResponseKind, 16))
    reason: Mapped[str | None] = mapped_column(String(40))  # for "not a fit", from a short list
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="SET NULL"))
    score: Mapped[float | None] = mapped_column(Float)  # the suggestion's score when answered
    rank: Mapped[int | None] = mapped_column(Integer)  # and its rank
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class WebSession(Base):
    """A browser session's data, server-side (Litestar's session middleware); the cookie holds its id."""

    __tablename__ = "web_session"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the session id
    data: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
