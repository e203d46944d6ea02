"""Settings: where the database lives, who is working, the UI language.

Read from the environment (``INSPECT_TUI_*``) over a YAML file in the platform's config
folder (``settings.yaml``) over the defaults below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from .locations import default_db_path, settings_file
from .startup_settings import ENV_PREFIX


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    db: Path = Field(default_factory=default_db_path, description="The SQLite file in use.")
    lang: str | None = Field(None, description="UI language: zh-Hant, zh-Hans or en.")
    user: str = Field("", description="The inspector's name, written on every change.")
    max_attachment_mb: float = Field(
        25, gt=0, le=2000, description="Largest evidence file accepted, in megabytes."
    )
    notice_font: Path | None = Field(
        None, description="TrueType font for notice text (default: the shipped Kurinto Sans)."
    )
    notice_title_font: Path | None = Field(
        None, description="TrueType font for notice titles (e.g. a Song face, per GB/T 9704)."
    )
    notice_fallback_fonts: list[Path] = Field(
        default_factory=list,
        description="More TrueType fonts for characters the others lack (e.g. CJK Extension B).",
    )
    evidence_required: bool = Field(
        False,
        description="Closing a problem (銷號) always needs evidence; no reason can replace it.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        from pydantic_settings import YamlConfigSettingsSource

        return (
            init_settings,
            env_settings,
            YamlConfigSettingsSource(
                settings_cls, yaml_file=settings_file(), yaml_file_encoding="utf-8"
            ),
        )


def load_settings(**overrides: Any) -> Settings:
    """The settings in force; a bad settings file or variable is named, not a traceback."""
    import yaml
    from pydantic import ValidationError

    from .datafiles import describe_validation
    from .errors import DataFileError

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        raise DataFileError(
            describe_validation(exc, None, "") + " (settings file or INSPECT_TUI_* variable)",
            where=str(settings_file()),
        ) from exc
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:  # syntax, encoding
        raise DataFileError(f"cannot be read: {exc}", where=str(settings_file())) from exc
