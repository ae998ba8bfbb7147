"""beta.gouv.fr's formats in one place: vocabulary, the reader of its Markdown files,
the writer of its v2.7 open-data files."""
