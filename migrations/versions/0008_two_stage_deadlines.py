"""two-stage deadlines: a second deadline that starts with the agency's acknowledgement

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 17:00:00.000000

The columns stay empty until `flask init-db` reloads foiatrack/data/jurisdictions.csv (it runs
right after this upgrade); that reload also recomputes the stored due dates of filed requests
(domain.reference.load_reference_data), so acknowledged New York requests move to their second
deadline.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jurisdiction', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decision_day_type', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('decision_from', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('jurisdiction', schema=None) as batch_op:
        batch_op.drop_column('decision_from')
        batch_op.drop_column('decision_day_type')
        batch_op.drop_column('decision_days')
