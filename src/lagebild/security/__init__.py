"""Who may see and do what: accounts' passwords, the roles' policy and the sharing protocol.

- ``passwords``: argon2id hashes (argon2-cffi).
- ``policy``: roles, permissions and scopes, the ONE place where access is decided.
- ``protocol``: the information sharing protocol (public / restricted / confidential per record
  kind and field) and the functions that redact, round and suppress for public views.

``docs/security.md`` says how pages and the API apply them.
"""
