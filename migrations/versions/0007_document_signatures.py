"""document signatures: stored MinHash signatures for near-duplicate grouping

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_signature',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('params', sa.String(length=40), nullable=False),
    sa.Column('text_key', sa.String(length=80), nullable=False),
    sa.Column('text_digest', sa.String(length=32), nullable=False),
    sa.Column('words', sa.Integer(), nullable=False),
    sa.Column('shingles', sa.Integer(), nullable=False),
    sa.Column('minhash', sa.LargeBinary(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_document_signature_document_id_document'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_document_signature'))
    )
    with op.batch_alter_table('document_signature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_signature_text_digest'), ['text_digest'], unique=False)


def downgrade():
    with op.batch_alter_table('document_signature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_signature_text_digest'))

    op.drop_table('document_signature')
