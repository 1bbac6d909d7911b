"""Accounts, organisations, sessions, API tokens, failed sign-ins; imports get an organisation.

A user has an argon2id password hash, a role (viewer, partner, analyst, admin) and, for a partner,
an organisation. A session or an API token is kept only as the SHA-256 of its secret. Failed
sign-ins are kept for the lock-out (per account and per client address). ``imports`` gains
``organisation_id``: every record an import wrote belongs to the organisation of its import.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisations.id")),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("password_set_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("client", sa.String(64)),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("label", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime),
    )
    op.create_table(
        "signin_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("account", sa.String(80), nullable=False, index=True),
        sa.Column("client", sa.String(64), nullable=False, index=True),
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a nullable column with its reference in place; a batch copy of ``imports``
        # would drop a table that every record points at, which foreign keys refuse.
        op.execute(
            "ALTER TABLE imports ADD COLUMN organisation_id INTEGER "
            "CONSTRAINT fk_imports_organisation REFERENCES organisations (id)"
        )
    else:
        op.add_column("imports", sa.Column("organisation_id", sa.Integer))
        op.create_foreign_key(
            "fk_imports_organisation", "imports", "organisations", ["organisation_id"], ["id"]
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # The batch copies ``imports``: its foreign keys are checked at commit, when every
        # record points at the copy again.
        op.execute("PRAGMA defer_foreign_keys = ON")
        with op.batch_alter_table("imports") as batch:
            batch.drop_column("organisation_id")
    else:
        op.drop_constraint("fk_imports_organisation", "imports", type_="foreignkey")
        op.drop_column("imports", "organisation_id")
    op.drop_table("signin_failures")
    op.drop_table("api_tokens")
    op.drop_table("sessions")
    op.drop_table("users")
    op.drop_table("organisations")
