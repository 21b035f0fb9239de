"""params.yaml: schema, loader and frozen dataclasses."""

from ganrepro.config.load import ParamsError, load_params, parse_params, resolve_scale
from ganrepro.config.schema import params_schema
from ganrepro.config.types import Params, RunConfig

__all__ = [
    "ParamsError",
    "Params",
    "RunConfig",
    "load_params",
    "parse_params",
    "params_schema",
    "resolve_scale",
]
