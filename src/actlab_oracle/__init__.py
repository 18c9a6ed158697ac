"""actlab's independent oracle, shared by tests/, bench/ and tools/: every elementwise
activation's defining formula and derivative in plain mpmath (``formulas``), the sample grid
(``grid``), the committed exact tables (``tables/``, rebuilt by ``python -m actlab_oracle.regen``)
and the error measures against them (``accuracy``). It shares no code with actlab.
"""
