"""One spider per source, grouped by nothing but their file name (name == file == class)."""
