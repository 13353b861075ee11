"""dbt's `exceptions`: a compiler error stops rendering, as it stops dbt."""


class CompilationError(Exception):
    pass


def raise_compiler_error(message):
    raise CompilationError(message)


def warn(message):
    return ""
