"""District pages and the compilation that goes both ways: district coordinators, local
agreements (chosen priority areas and goals, with history), the yearly plan per area (with
history), the compilation's publication, and a link on notifications about other things
than a case; indicators on a case (case_indicators and their follow-ups)

Revision ID: 0011_16
Revises: 0007_12
"""
from alembic import op
import sqlalchemy as sa

revision = "0011_16"
down_revision = "0007_12"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "district_coordinators",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("district_id", sa.Integer(), sa.ForeignKey("districts.id"), primary_key=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_district_coordinators_district_id", "district_coordinators",
                    ["district_id"])
    op.create_table(
        "local_priorities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("district_id", sa.Integer(), sa.ForeignKey("districts.id"), nullable=False),
        sa.Column("area_id", sa.Integer(), sa.ForeignKey("priority_areas.id"), nullable=False),
        sa.Column("goals", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.UniqueConstraint("district_id", "area_id"),
    )
    op.create_index("ix_local_priorities_district_id", "local_priorities", ["district_id"])
    op.create_table(
        "local_agreement_revisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("district_id", sa.Integer(), sa.ForeignKey("districts.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
    )
    op.create_index("ix_local_agreement_revisions_district_id", "local_agreement_revisions",
                    ["district_id"])
    op.create_table(
        "compilation_plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), sa.ForeignKey("priority_areas.id"), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.UniqueConstraint("year", "area_id"),
    )
    op.create_table(
        "compilation_plan_revisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("plan_id", sa.Integer(),
                  sa.ForeignKey("compilation_plans.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("old_body", sa.Text(), nullable=False),
        sa.Column("new_body", sa.Text(), nullable=False),
    )
    op.create_index("ix_compilation_plan_revisions_plan_id", "compilation_plan_revisions",
                    ["plan_id"])
    op.create_table(
        "compilation_publications",
        sa.Column("year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
    )
    op.create_table(
        "case_indicators",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("baseline_value", sa.Float(), nullable=False),
        sa.Column("baseline_from", sa.Date(), nullable=False),
        sa.Column("baseline_to", sa.Date(), nullable=False),
    )
    op.create_index("ix_case_indicators_case_id", "case_indicators", ["case_id"])
    op.create_table(
        "case_indicator_followups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("indicator_id", sa.Integer(),
                  sa.ForeignKey("case_indicators.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
    )
    op.create_index("ix_case_indicator_followups_indicator_id", "case_indicator_followups",
                    ["indicator_id"])
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("link", sa.String(length=500), nullable=False,
                                      server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("link")
    op.drop_index("ix_case_indicator_followups_indicator_id", "case_indicator_followups")
    op.drop_table("case_indicator_followups")
    op.drop_index("ix_case_indicators_case_id", "case_indicators")
    op.drop_table("case_indicators")
    op.drop_table("compilation_publications")
    op.drop_index("ix_compilation_plan_revisions_plan_id", "compilation_plan_revisions")
    op.drop_table("compilation_plan_revisions")
    op.drop_table("compilation_plans")
    op.drop_index("ix_local_agreement_revisions_district_id", "local_agreement_revisions")
    op.drop_table("local_agreement_revisions")
    op.drop_index("ix_local_priorities_district_id", "local_priorities")
    op.drop_table("local_priorities")
    op.drop_index("ix_district_coordinators_district_id", "district_coordinators")
    op.drop_table("district_coordinators")
