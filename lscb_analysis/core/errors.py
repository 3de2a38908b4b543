"""The workbench's exceptions: one base class and a named subclass per kind of problem.

Every message says what is wrong (naming the file, sheet, row, column or parameter at fault)
and what to do about it, because the people who read them are analysts, not programmers.
"""


class LscbError(Exception):
    """Base class of every error the workbench raises on purpose."""


class InvalidArgumentError(LscbError, ValueError):
    """A function was given an argument it cannot use (negative count, bad confidence, ...)."""


class DataFileError(LscbError):
    """An input file is missing, unreadable, or not laid out as expected."""


class MissingDataFileError(DataFileError, FileNotFoundError):
    """An input file the workbench needs is not where it should be."""


class DataLayoutError(DataFileError):
    """An input file has an unexpected layout: a missing column or an unknown symbol."""


class ReferenceDataError(LscbError):
    """A reference table under data/reference/ is missing or inconsistent."""


class UnknownAreaError(LscbError, LookupError):
    """A borough or local authority name could not be matched to the register."""


class ParameterError(LscbError, ValueError):
    """A notebook or command parameter is unknown or has an unusable value."""


class RawDataWriteError(LscbError, PermissionError):
    """Something tried to write under data/raw/, which is read-only to the workbench."""


class NotebookRunError(LscbError):
    """A notebook run failed; the executed notebook is kept as its log."""


class DisclosureError(LscbError, ValueError):
    """Disclosure control cannot be applied to a table as asked (unknown column, bad total)."""


class UnsafeWorkbookError(DataFileError):
    """An input workbook failed the safety checks run before it is loaded into memory.

    It is encrypted, a zip bomb, larger than the configured limits, or not a real workbook.
    """


class IdentifierFoundError(LscbError):
    """An output meant for publication contains something that looks like a personal identifier."""


class CatalogueError(ReferenceDataError):
    """The best-fit model catalogue (data/reference/best_fit_model/) is missing or invalid.

    The message names the file and, for each problem, the goal, cluster or PI and the field at
    fault, and says what to write instead; every problem found is listed, not just the first.
    """


class PseudonymKeyError(LscbError):
    """The secret key for pseudonymising case references is missing, unreadable or unsafe.

    The message says where the key was looked for and how to create one (``lscb audit keygen``).
    """


class SurveyFileError(DataFileError):
    """A survey return (or the returns folder) cannot be used.

    ``code`` names the reason, e.g. ``corrupt``, ``password_protected``, ``empty``,
    ``no_recognisable_sheet``, ``borough_not_identifiable``, ``duplicate``,
    ``unsafe_workbook`` or ``missing_folder``; the message says what to do.
    """

    def __init__(self, message: str, code: str = "corrupt"):
        super().__init__(message)
        self.code = code


class PilotFileError(DataFileError):
    """A Phase III pilot return (or the returns folder) cannot be used.

    ``code`` names the reason, e.g. ``corrupt``, ``unsafe_workbook``, ``not_a_workbook``,
    ``no_data_sheet``, ``borough_not_identifiable``, ``identity_mismatch`` (the file name
    and the hidden sheet name different boroughs), ``unknown_model_version`` or
    ``missing_folder``; the message names the file and says what to do.
    """

    def __init__(self, message: str, code: str = "corrupt"):
        super().__init__(message)
        self.code = code


class RecordLevelDisplayError(LscbError):
    """A notebook tried to display record-level data (the rows of a local return).

    Executed notebooks show aggregates only (:mod:`lscb_analysis.protect.display_guard`). The message
    names the object (kind, shape, columns; never its values) and says what to show instead.
    """


class FeedbackFileError(DataFileError):
    """A returned consultation feedback form (or the folder of forms) cannot be used.

    ``code`` names the reason, e.g. ``not_a_workbook``, ``unsafe_workbook``, ``corrupt``,
    ``duplicate``, ``no_model_sheet``, ``model_sheet_damaged``, ``unknown_version``,
    ``checksum_mismatch``, ``no_feedback_sheet``, ``feedback_layout``, ``empty`` or
    ``missing_folder``; the message names the file and says what to do.
    """

    def __init__(self, message: str, code: str = "corrupt"):
        super().__init__(message)
        self.code = code


class BrowserMissingError(LscbError):
    """Headless Chromium (Debian's ``chromium``) or Playwright is not installed: the browser
    check and ``--pdf`` need them."""


class PdfPrintError(LscbError):
    """Chromium could not print a report to PDF."""


class StaleDataError(DataFileError):
    """Processed tables no longer match the returns they were ingested from.

    The returns folder changed since the ingest ran, or the tables came from another folder;
    the message names the command that brings them up to date.
    """


class InvalidNameError(LscbError, ValueError):
    """A name (borough, agency, group, PI) holds hidden characters (control, bidirectional,
    zero-width) that could make it look like another; the message lists them."""


class ProjectBusyError(LscbError):
    """Another ``lscb run`` or ``lscb pack`` is writing this project's reports."""
