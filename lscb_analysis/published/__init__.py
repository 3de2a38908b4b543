"""The published statistics layer (DfE, ONS, Ofsted) and the borough profile."""
