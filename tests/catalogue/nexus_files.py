"""Datasets whose files the demo's generators wrote (real NeXus files per technique, in
DATA_ROOT), with their parameters and techniques, for the technique-preview tests."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

from django.conf import settings

from catalogue.demo.measurements import KINDS, Context
from catalogue.demo.parameters import PARAMETER_TYPES
from catalogue.models import Dataset, DatasetParameter, DatasetType, ParameterType, Technique
from tests import factories
from tests.catalogue.dataset_files import datafile

TECHNIQUES = {
    "mx": "macromolecular crystallography",
    "saxs": "small angle x-ray scattering",
    "tomo": "x-ray tomography",
    "xas": "x-ray absorption spectroscopy",
    "nanodiff": "nano diffraction",
    "powder": "powder diffraction",
}


def nexus_dataset(investigation, kind: str, *, processed: bool) -> Dataset:
    """A dataset whose files the demo's generator for `kind` wrote, with its parameters."""
    g = random.Random(7)
    ctx = Context(
        beamline="BL",
        sample=f"{kind}_s1",
        material="Cu-CHA zeolite",
        title="A test",
        start=datetime(2025, 1, 1),
        sample_seed=11,
    )
    generator = KINDS[kind]
    params = generator.raw_parameters(g, ctx)
    if processed:
        params = generator.processed_parameters(g, ctx, params)
    name = f"{kind}_{'proc' if processed else 'raw'}"
    dataset = factories.DatasetFactory(
        investigation=investigation,
        name=name,
        type=DatasetType.PROCESSED if processed else DatasetType.RAW,
    )
    technique, _ = Technique.objects.get_or_create(name=TECHNIQUES[kind])
    dataset.techniques.set([technique])
    folder = Path(settings.DATA_ROOT) / investigation.name / name
    folder.mkdir(parents=True, exist_ok=True)
    write = generator.write_processed if processed else generator.write_raw
    write(folder, name=name, params=params, ctx=ctx, seed=3)
    for path in sorted(folder.iterdir()):
        datafile(dataset, path.name, location=f"{investigation.name}/{name}/{path.name}")
    for key, value in params.items():
        units, value_type, _ = PARAMETER_TYPES[key]
        kind_of_value = "numeric_value" if value_type == "numeric" else "string_value"
        DatasetParameter.objects.create(
            dataset=dataset,
            type=ParameterType.objects.get_or_create(
                name=key, units=units, defaults={"value_type": value_type}
            )[0],
            **{kind_of_value: value},
        )
    return dataset
