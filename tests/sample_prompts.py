"""Prompt-file contents several test modules ingest (pass to the `make_prompt` fixture)."""

#: One real model (MIMO-UNet) and its paper: the catalog's smallest realistic deblurring case.
BLUR = dict(
    question="Which model removes motion blur from a photo?",
    models=[{"name": "Deblur-MIMO-UNet-RealBlur", "paper": "https://arxiv.org/abs/2108.05054",
             "github": "https://github.com/chosj95/MIMO-UNet",
             "summary": "A multi-input multi-output U-Net. It removes motion blur from real photos."}],
    papers=[{"name": "Rethinking Coarse-to-Fine Approach in Single Image Deblurring",
             "paper": "https://arxiv.org/abs/2108.05054", "summary": "Coarse-to-fine deblurring revisited."}],
)
