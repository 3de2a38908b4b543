"""The synthetic actions log and support log the demo writes beside its audits.

:func:`demo_actions` gives ``actions.csv`` (actions after audit findings and PI exceptions,
some overdue, some due for re-audit) and :func:`demo_support_log` gives ``support_log.csv``
(support days with their kind of work, Barnet over its allowance, London Board and
pan-London work), both as CSV bytes.
"""

from __future__ import annotations

import csv
import io as stdlib_io

from lscb_analysis.protect import safe_files
from lscb_analysis.qa import audit_actions


def _csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = stdlib_io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[safe_files.neutralise_text(v) for v in row] for row in rows])
    return buffer.getvalue().encode("utf-8")


def demo_actions() -> bytes:
    """Return the bytes of the synthetic ``actions.csv``."""
    header = list(audit_actions.ACTION_COLUMNS)
    rows = [
        [
            "SYN-A01",
            "Barnet",
            "SYNTHETIC: workshop for health visitors and school nurses on "
            "recognising cumulative neglect",
            "SYNTHETIC designated nurse",
            "31/01/2026",
            "audit finding",
            "SYNTHETIC-2025-barnet-neglect/NEG-REC-2",
            "complete",
            "13/03/2026",
            "20/01/2026",
            "SYNTHETIC: re-audited in the 2026 neglect audit",
        ],
        [
            "SYN-A02",
            "Barnet",
            "SYNTHETIC: core group template to record measurable outcomes and timescales",
            "SYNTHETIC head of service, child protection",
            "28/02/2026",
            "audit finding",
            "SYNTHETIC-2025-barnet-neglect/NEG-PLA-1",
            "in progress",
            "30/09/2026",
            "",
            "",
        ],
        [
            "SYN-A03",
            "Barnet",
            "SYNTHETIC: review every plan open 18 months or more at legal planning meeting",
            "SYNTHETIC service manager",
            "30/06/2026",
            "PI exception",
            "cpp_2yrs_pct",
            "open",
            "",
            "",
            "",
        ],
        [
            "SYN-A04",
            "Croydon",
            "SYNTHETIC: raise return home interview take-up with the commissioned provider",
            "SYNTHETIC missing children lead",
            "31/12/2025",
            "PI exception",
            "cla_missing_pct",
            "in progress",
            "31/05/2026",
            "",
            "",
        ],
        [
            "SYN-A05",
            "Croydon",
            "SYNTHETIC: every child open to the exploitation panel to have "
            "a safety plan covering places and peers",
            "SYNTHETIC exploitation panel chair",
            "31/05/2026",
            "audit finding",
            "SYNTHETIC-2026-croydon-exploitation/EXP-PLA-1",
            "open",
            "30/11/2026",
            "",
            "",
        ],
        [
            "SYN-A06",
            "Lambeth",
            "SYNTHETIC: dip sample re-referrals within 12 months",
            "SYNTHETIC front door manager",
            "31/10/2025",
            "PI exception",
            "rereferral_pct",
            "complete",
            "31/03/2026",
            "15/10/2025",
            "",
        ],
        [
            "SYN-A07",
            "pan-London",
            "SYNTHETIC: audit tool training for quality assurance leads",
            "SYNTHETIC regional adviser",
            "30/04/2026",
            "other",
            "regional QA forum",
            "open",
            "",
            "",
            "",
        ],
    ]
    return _csv_bytes(header, rows)


def demo_support_log() -> bytes:
    """Return the bytes of the synthetic ``support_log.csv``."""
    header = [
        "support_id",
        "borough",
        "theme",
        "days",
        "commissioned_by",
        "start_date",
        "end_date",
        "adviser",
        "kind_of_work",
        "activity",
    ]
    rows = [
        [
            "SYN-S01",
            "Barnet",
            "neglect",
            "4",
            "SYNTHETIC partnership business manager",
            "12/05/2025",
            "30/06/2025",
            "SYNTHETIC adviser 1",
            "borough support",
            "Neglect audit design and moderation",
        ],
        [
            "SYN-S02",
            "Barnet",
            "neglect",
            "5",
            "SYNTHETIC partnership business manager",
            "01/09/2025",
            "31/10/2025",
            "SYNTHETIC adviser 1",
            "borough support",
            "Neglect strategy refresh",
        ],
        [
            "SYN-S03",
            "Barnet",
            "exploitation and missing",
            "3",
            "SYNTHETIC director of children's services",
            "12/01/2026",
            "20/02/2026",
            "SYNTHETIC adviser 2",
            "Borough level support",
            "Exploitation audit moderation",
        ],
        [
            "SYN-S04",
            "Croydon",
            "exploitation and missing",
            "6",
            "SYNTHETIC director of children's services",
            "03/11/2025",
            "27/02/2026",
            "SYNTHETIC adviser 2",
            "borough support",
            "Exploitation pathway review",
        ],
        [
            "SYN-S05",
            "Lambeth",
            "leadership and governance",
            "4",
            "SYNTHETIC independent scrutineer",
            "07/07/2025",
            "29/08/2025",
            "SYNTHETIC adviser 3",
            "borough support",
            "Board self-assessment",
        ],
        [
            "SYN-S06",
            "Hackney",
            "early help",
            "3",
            "SYNTHETIC partnership business manager",
            "06/10/2025",
            "28/11/2025",
            "SYNTHETIC adviser 3",
            "borough support",
            "Early help threshold workshop",
        ],
        [
            "SYN-S07",
            "pan-London",
            "performance data",
            "5",
            "SYNTHETIC London ADCS",
            "01/04/2025",
            "31/03/2026",
            "SYNTHETIC adviser 1",
            "pan-London projects",
            "Pan-London dataset work",
        ],
        [
            "SYN-S08",
            "pan-London",
            "training",
            "2",
            "SYNTHETIC London ADCS",
            "14/01/2026",
            "15/01/2026",
            "SYNTHETIC adviser 2",
            "pan London project work",
            "Audit tool training",
        ],
        [
            "SYN-S09",
            "pan-London",
            "leadership and governance",
            "3",
            "SYNTHETIC London Safeguarding Children Board",
            "10/04/2025",
            "30/06/2025",
            "SYNTHETIC adviser 1",
            "London Board work",
            "Board papers and the London business plan",
        ],
        [
            "SYN-S10",
            "pan-London",
            "performance data",
            "2",
            "SYNTHETIC London Safeguarding Children Board",
            "07/10/2025",
            "19/12/2025",
            "SYNTHETIC adviser 3",
            "London Board",
            "London dataset report to the Board",
        ],
        [
            "SYN-S11",
            "Barnet",
            "learning reviews",
            "2",
            "SYNTHETIC independent scrutineer",
            "02/02/2026",
            "27/03/2026",
            "SYNTHETIC adviser 1",
            "borough support",
            "Rapid review learning workshop",
        ],
    ]
    return _csv_bytes(header, rows)
