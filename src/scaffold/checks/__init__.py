"""The checks of ``scaffold check``, one module per family, registered by id.

==========  ====================================================================
SC1xx       README: exists, summary, architecture, quickstart, results, lessons,
            deployment
SC2xx       docs: architecture document, diagram, licence
SC3xx       config: .env.example, .env ignored, no secret in files or history
SC4xx       CI and container: workflow, tests in CI, actionlint, Dockerfile,
            non-root, hadolint
SC5xx       tests and code: tests exist, no placeholders, no machine paths
SC6xx       scaffold repos: template version, evaluation report fresh
==========  ====================================================================
"""
