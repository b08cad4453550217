"""Text to checked model: the grammar, parser, transform, model, imports, checks, diagnostics and exports.

Nothing here imports the simulator, the analyses, plotting or the command line.
"""
