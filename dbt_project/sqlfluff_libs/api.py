"""dbt's `api.Column`, the part the project uses."""


class Column:
    @staticmethod
    def numeric_type(dtype, precision, scale):
        if precision is None or scale is None:
            return dtype
        return f"{dtype}({precision},{scale})"

    @staticmethod
    def string_type(size=None):
        return "varchar" if size is None else f"varchar({size})"

    @staticmethod
    def translate_type(dtype):
        return {"string": "varchar", "float": "double", "integer": "integer"}.get(dtype, dtype)
