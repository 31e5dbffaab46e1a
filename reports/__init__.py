"""Reports: views of the settings and the synthesized outputs, and the generated sections of the docs."""
