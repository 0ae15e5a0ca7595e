"""Election results aggregation service."""

from __future__ import annotations

from flask import Flask


def create_app(config: dict | None = None) -> Flask:
    """Build the application: config, database, errors, CLI, blueprints."""
    from flask_wtf.csrf import CSRFProtect

    from election import api, cli, errors, web
    from election.config import from_environment, totp_key
    from election.db import make_engine, make_sessionmaker
    from election.http import bodies, context, evidence, headers, imports, reads
    from election.services.evidence.store import make_store, sweep
    from election.services.identity import secretbox
    from election.services.settle import SETTLER
    from election.services.settler import Settler
    from election.web import filters

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(from_environment())
    if config:
        app.config.from_mapping(config)

    # Vietnamese text as UTF-8, and keys in the order the contract lists them.
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    engine = make_engine(
        app.config["DATABASE_URL"], pool_size=app.config.get("DATABASE_POOL_SIZE", 2)
    )
    app.extensions["election.engine"] = engine
    info = {secretbox.INFO_KEY: totp_key(app.config)}
    settler = None
    delay_ms = app.config.get("SETTLE_DELAY_MS", 0)
    if delay_ms > 0 and engine.dialect.name == "postgresql":
        settler = info[SETTLER] = Settler(delay_ms / 1000)
    sessions = app.extensions["election.sessions"] = make_sessionmaker(engine, info)
    if settler is not None:
        settler.sessions = sessions
        app.extensions["election.settler"] = settler
    store = app.extensions["election.evidence"] = make_store(
        app.config["EVIDENCE_STORE"], app.config["EVIDENCE_DIR"]
    )
    sweep(store.workdir)  # what workers killed before this start left half-written

    context.init_app(app)
    bodies.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    filters.init_app(app)
    headers.init_app(app)
    reads.init_app(app)
    evidence.init_app(app)  # before the CSRF check, which reads the body
    imports.init_app(app)  # so too

    api_bp = api.blueprint()
    app.register_blueprint(web.blueprint())
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    # Pages post forms and need CSRF tokens; the API authenticates with Bearer tokens.
    csrf = CSRFProtect(app)
    csrf.exempt(api_bp)
    return app
