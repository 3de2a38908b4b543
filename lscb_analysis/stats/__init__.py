"""The statistics: intervals, benchmarking, funnels, SPC, trends and agreement."""
