"""Running a trained network on frames outside BasicSR's pipelines (std-infer,
std-export): frame sources (folders, videos) and sinks, tiling with bounded
memory, ONNX export. A new way to read, run or write a trained network's
frames goes here; its argument parsing goes in cli/."""
