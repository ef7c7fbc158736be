"""The one error type users see: bad recipe, data or arguments (exit code 2, one line, no traceback)."""

from __future__ import annotations


class UserInputError(Exception):
    """Bad recipe, data or arguments: shown to the user as one line `error: <where>: <message>`.

    `where` is as precise as we can make it: `recipes/x.yaml:12: stages.dpo.beta` or
    `pairs.jsonl:14: rejected`. Everything that is not a UserInputError is a bug and keeps its traceback.
    """

    def __init__(self, where: str, message: str):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


class ValidationErrors(UserInputError):
    """Several bad records at once: validation reports every problem, not only the first."""

    def __init__(self, problems: list[UserInputError]):
        self.problems = problems
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(first.where, first.message + more)
