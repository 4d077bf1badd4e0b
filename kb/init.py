"""`kb init`: a new, empty knowledge base on which `kb report` runs at once."""

from __future__ import annotations

from pathlib import Path

from kb.output import make_folder, write_atomic

README = """# Evidence knowledge base

- `references.bib`: every cited work, with `design`, `population`, `n` and `verificationstatus`.
- `claims/<doc>.txt`: a leaflet as published; `claims/<doc>.yaml`: its claims and their sources.
- `templates/`: your own templates; a file here replaces the packaged one of the same name.

Build the evidence report with `kb report` (output in `build/`); check it with `kb audit`.
Check each record against Crossref, OpenAlex and PubMed with `kb verify`: it writes
`verification.json` (commit it); its cache of the services' answers is `.kb-cache/`.
"""

GITIGNORE = """build/
.kb-cache/
"""

BIB = """% Every work the leaflets cite. Beside the usual BibTeX fields:
%   design             one of the design vocabulary (rct, cohort, narrative-review, ...)
%   population, n      who was studied, and how many
%   verificationstatus verified | verified-core | partly | from-memory | listed (seen only in the
%                      citing text's reference list) | unresolved
%   verification       what was checked against which source
"""


def create(target: Path) -> str | None:
    """Make the KB; returns a problem instead when `target` already holds files."""
    try:
        occupied = target.exists() and (not target.is_dir() or any(target.iterdir()))
    except OSError as error:  # a folder this user may not list
        return f"{target} cannot be read ({(error.strerror or str(error)).lower()}); nothing was written"
    if occupied:
        return f"{target} exists and is not empty; nothing was written"
    make_folder(target / "claims")  # a folder that cannot be made is one located line (CannotWrite)
    make_folder(target / "templates")
    write_atomic(target / "references.bib", BIB)
    write_atomic(target / "README.md", README)
    write_atomic(target / ".gitignore", GITIGNORE)
    write_atomic(target / "claims" / ".keep", "")
    write_atomic(target / "templates" / ".keep", "")
    return None
