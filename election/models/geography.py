"""Administrative areas (a tree whose levels are data) and voting areas."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from election.db import Base


class AreaLevel(Base):
    """A level of the administrative tree: city, district, ward…; depth 0 is the root."""

    __tablename__ = "area_level"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    depth: Mapped[int] = mapped_column(unique=True)

    __table_args__ = (CheckConstraint("depth >= 0", name="depth_not_negative"),)


class Area(Base):
    """An administrative area: the city, a district, a ward or commune."""

    __tablename__ = "area"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level_id: Mapped[int] = mapped_column(ForeignKey("area_level.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    # Materialised path of codes, "/HP/HP14/HP14-12/": subtree queries are one prefix match.
    path: Mapped[str] = mapped_column(String(400))

    level: Mapped[AreaLevel] = relationship(lazy="joined")
    parent: Mapped[Area | None] = relationship(remote_side=[id])

    __table_args__ = (
        Index("ix_area_parent_id", "parent_id"),
        Index("ix_area_path", "path"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )


class VotingArea(Base):
    """A voting area (khu vực bỏ phiếu), served by one polling team, inside a ward."""

    __tablename__ = "voting_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))

    area: Mapped[Area] = relationship()

    __table_args__ = (Index("ix_voting_area_area_id", "area_id"),)


class AreaClosure(Base):
    """Every (ancestor, descendant) pair of the area tree, an area being its own ancestor.

    Roll-ups and scope checks then join on one indexed column instead of walking paths.
    """

    __tablename__ = "area_closure"

    ancestor_id: Mapped[int] = mapped_column(ForeignKey("area.id"), primary_key=True)
    descendant_id: Mapped[int] = mapped_column(ForeignKey("area.id"), primary_key=True)

    __table_args__ = (Index("ix_area_closure_descendant_id", "descendant_id"),)
