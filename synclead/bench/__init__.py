"""The media-path benchmark behind `synclead bench`: stand-in providers, a load generator, and the harness.

Nothing here is used by the product; the providers answer instantly or after fixed delays so that what is
measured is SYNCLEAD's own cost per call (transport, codec, voice activity, pacing), not a model's.
"""
