"""The API's form parsers: DRF's, refusing the NUL character in a field's name or value
(files are not text and keep theirs). JSON is ``core.jsondata.JSONParser``."""

from rest_framework import exceptions, parsers

from core.jsondata import NUL, NUL_REFUSED


def _refuse_nul(data) -> None:
    for key, values in data.lists():
        if NUL in key or any(isinstance(value, str) and NUL in value for value in values):
            raise exceptions.ParseError(NUL_REFUSED)


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _refuse_nul(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        _refuse_nul(result.data)
        return result
