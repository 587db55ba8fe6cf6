"""The incident record: the journal, its shared mode, what it rebuilds (state, resume, closing) and the report."""
