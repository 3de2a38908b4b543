"""Quality assurance: case-file audits, sampling, actions, the deep dive and the support review."""
