"""Static files: each collected under a name with its content's hash, so browsers may keep
it for good (WhiteNoise serves hashed names as immutable), and compressed in advance."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Also rewrites the names in JavaScript modules' `import ... from "./x.js"`: the
    page's script loads GOV.UK Frontend and our own modules that way, and without this
    the browser would fetch them by their plain names, which are not kept long."""

    support_js_module_import_aggregation = True
