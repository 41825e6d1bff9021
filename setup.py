"""Builds the native runtime (impls._goro) with cffi at install; metadata is in pyproject.toml."""

from setuptools import setup

setup(cffi_modules=["native/build.py:ffibuilder"])
