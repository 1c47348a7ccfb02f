"""The offline agents: they understand callers by rules and small local models, and speak fixed phrases and the
agency's own sentences. No language model: the same answer every time, in milliseconds."""
