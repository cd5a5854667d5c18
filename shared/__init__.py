"""ReSight domain code: everything the function blueprints call."""
