"""A synthetic, BEIR-layout retrieval dataset of AI-paper abstracts.

No public BEIR dataset can be fetched here (no network beyond package
registries, and no PyPI package bundles one: `beir` and `ir-datasets`
download at run time), so this generates one. It is synthetic but built to
be non-trivial:

- every abstract is a combination of facets: a task (40), a method family
  (14), a setting / domain (14) and a contribution type (8), plus a
  *baseline* method it compares against, benchmark datasets and numbers, so
  many documents share most of their vocabulary (hard negatives: same task,
  different method or setting) and many mention a method they do not use;
- every facet has several paraphrases, some lexically disjoint
  ("deblurring" / "removing camera shake blur" / "sharpening shaky
  photos"); documents and queries draw paraphrases independently, so a query
  often shares few words with its relevant documents (vocabulary mismatch);
- queries ask for 2-3 facets in natural phrasings; graded qrels: 2 = the
  document has every asked facet, 1 = the task and all but one of the other
  asked facets. Each query is seeded from one document, so it has >= 1
  grade-2 document.

Numbers on it are comparable across modes and over time on this generator
(seeded, deterministic), not with published BEIR numbers.

Usage: python benchmarks/synth_beir.py OUT_DIR [--docs 5000] [--queries 300] [--seed 13]
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from pathlib import Path

# task -> (paraphrases, verb phrases for queries, datasets, input noun, output noun)
TASKS: dict[str, tuple[list[str], list[str], list[str], str, str]] = {
    "deblur": (["image deblurring", "motion blur removal", "removing camera shake blur", "blind deconvolution"],
               ["sharpen shaky photos", "remove motion blur", "fix blurry pictures"], ["GoPro", "RealBlur", "HIDE"],
               "blurry photographs", "sharp images"),
    "denoise": (["image denoising", "noise removal", "sensor noise suppression", "grain reduction"],
                ["clean up grainy photos", "remove noise from pictures", "reduce sensor noise"], ["SIDD", "DND", "BSD68"],
                "noisy captures", "clean images"),
    "sr": (["single-image super-resolution", "image upscaling", "resolution enhancement", "upsampling of low-resolution images"],
           ["upscale small images", "increase image resolution", "enlarge low-res pictures"], ["DIV2K", "Set14", "Urban100"],
           "low-resolution images", "high-resolution images"),
    "vsr": (["video super-resolution", "video upscaling", "temporal resolution enhancement of frames"],
            ["upscale old videos", "make low-res video sharper"], ["Vid4", "REDS", "Vimeo-90K"],
            "low-resolution clips", "high-resolution video"),
    "inpaint": (["image inpainting", "hole filling", "object removal and background completion", "masked region completion"],
                ["erase objects from photos", "fill missing regions", "remove unwanted people from pictures"],
                ["Places2", "CelebA-HQ", "Paris StreetView"], "masked images", "completed images"),
    "dehaze": (["image dehazing", "haze removal", "fog removal", "visibility restoration in hazy scenes"],
               ["remove fog from photos", "clear up hazy images"], ["RESIDE", "O-HAZE", "Dense-Haze"],
               "hazy scenes", "haze-free images"),
    "derain": (["rain removal", "image deraining", "rain streak removal"],
               ["remove rain from camera images", "get rid of raindrops on the lens"], ["Rain100L", "Rain13K", "SPA-Data"],
               "rainy frames", "rain-free frames"),
    "lowlight": (["low-light image enhancement", "night image brightening", "illumination enhancement", "dark photo enhancement"],
                 ["brighten dark photos", "improve night pictures", "see better in the dark"], ["LOL", "SID", "ExDark"],
                 "underexposed photos", "well-lit images"),
    "colorize": (["image colorization", "automatic colorization", "adding color to grayscale photos"],
                 ["colorize black and white photos", "add color to old pictures"], ["ImageNet-Gray", "COCO-Stuff"],
                 "grayscale photographs", "color images"),
    "faceres": (["blind face restoration", "face image restoration", "portrait enhancement", "facial detail recovery"],
                ["restore damaged faces", "fix blurry portraits", "enhance old face photos"], ["FFHQ", "CelebA-Test", "WIDER-Face"],
                "degraded portraits", "restored faces"),
    "t2i": (["text-to-image generation", "text-conditioned image synthesis", "prompt-based image generation"],
            ["generate pictures from text prompts", "create images from descriptions"], ["MS-COCO", "LAION-5B", "PartiPrompts"],
            "text prompts", "generated images"),
    "edit": (["text-guided image editing", "instruction-based image editing", "semantic photo editing"],
             ["edit photos with text instructions", "change parts of an image by describing them"], ["MagicBrush", "EditBench"],
             "photos and instructions", "edited images"),
    "style": (["neural style transfer", "artistic stylization", "painting style transfer"],
              ["make photos look like paintings", "transfer an artist's style"], ["WikiArt", "MS-COCO"],
              "content photos", "stylized images"),
    "depth": (["monocular depth estimation", "single-image depth prediction", "depth map estimation"],
              ["estimate depth from one photo", "get a depth map from a single image"], ["NYU Depth v2", "KITTI", "DIODE"],
              "RGB images", "depth maps"),
    "semseg": (["semantic segmentation", "pixel-wise scene labeling", "dense semantic labeling"],
               ["label every pixel in a scene", "segment roads and buildings"], ["ADE20K", "Cityscapes", "PASCAL VOC"],
               "scene images", "label maps"),
    "instseg": (["instance segmentation", "object mask prediction", "per-object segmentation"],
                ["cut out individual objects", "get a mask for each object"], ["COCO", "LVIS"],
                "images", "object masks"),
    "detect": (["object detection", "bounding box detection", "object localization"],
               ["find and box objects in images", "detect cars and people"], ["COCO", "Pascal VOC", "Objects365"],
               "images", "bounding boxes"),
    "track": (["multi-object tracking", "object tracking in video", "tracking by detection"],
              ["follow people across video frames", "track players in sports footage"], ["MOT17", "DanceTrack", "LaSOT"],
              "video streams", "trajectories"),
    "pose": (["human pose estimation", "body keypoint detection", "skeleton estimation"],
             ["find body joints in photos", "track a person's posture"], ["COCO Keypoints", "MPII", "CrowdPose"],
             "images of people", "keypoint skeletons"),
    "matting": (["image matting", "alpha matte estimation", "foreground extraction with soft edges"],
                ["cut out hair precisely", "remove the background around a person"], ["Adobe Composition-1K", "P3M-10K"],
                "portrait photos", "alpha mattes"),
    "ocr": (["optical character recognition", "text recognition", "scene text reading"],
            ["read text from scanned pages", "transcribe printed documents"], ["ICDAR 2015", "IAM", "FUNSD"],
            "document scans", "transcribed text"),
    "caption": (["image captioning", "visual description generation", "image-to-text description"],
                ["describe what is in a photo", "write captions for pictures"], ["COCO Captions", "NoCaps", "Flickr30k"],
                "images", "captions"),
    "vqa": (["visual question answering", "image question answering", "multimodal question answering"],
            ["answer questions about an image", "ask a model about a photo"], ["VQAv2", "GQA", "OK-VQA"],
            "image-question pairs", "answers"),
    "asr": (["automatic speech recognition", "speech-to-text transcription", "spoken language transcription"],
            ["transcribe audio recordings", "turn speech into text"], ["LibriSpeech", "Common Voice", "TED-LIUM"],
            "audio recordings", "transcripts"),
    "tts": (["text-to-speech synthesis", "speech synthesis", "voice generation"],
            ["generate natural speech from text", "make a synthetic voice read text"], ["LJSpeech", "VCTK", "LibriTTS"],
            "text", "speech audio"),
    "interp": (["video frame interpolation", "intermediate frame synthesis", "slow-motion generation"],
               ["make smooth slow motion", "increase the frame rate of a video"], ["Vimeo-90K", "UCF101", "X4K1000FPS"],
               "consecutive frames", "in-between frames"),
    "nvs": (["novel view synthesis", "neural scene rendering", "free-viewpoint rendering"],
            ["render new viewpoints of a scene", "view a scene from new angles"], ["LLFF", "Mip-NeRF 360", "Tanks and Temples"],
            "posed photos", "rendered views"),
    "recon3d": (["3D reconstruction", "multi-view stereo reconstruction", "surface reconstruction"],
                ["build a 3D model from photos", "reconstruct a mesh from images"], ["DTU", "ScanNet", "BlendedMVS"],
                "multi-view images", "3D surfaces"),
    "t23d": (["text-to-3D generation", "text-conditioned 3D asset synthesis", "3D object generation from prompts"],
             ["create 3D models from a text description", "generate 3D assets from prompts"], ["Objaverse", "ShapeNet"],
             "text prompts", "3D assets"),
    "t2v": (["text-to-video generation", "video synthesis from text", "prompt-driven video generation"],
            ["generate short videos from text", "create video clips from a description"], ["WebVid-10M", "MSR-VTT", "UCF101"],
            "text prompts", "video clips"),
    "anomaly": (["visual anomaly detection", "defect detection", "industrial anomaly localization"],
                ["spot defects on products", "find anomalies in factory images"], ["MVTec AD", "VisA"],
                "product images", "anomaly maps"),
    "reid": (["person re-identification", "re-identification across cameras", "pedestrian retrieval"],
             ["match the same person across cameras", "find a pedestrian in other camera views"], ["Market-1501", "MSMT17"],
             "pedestrian crops", "identity matches"),
    "face_rec": (["face recognition", "face verification", "identity recognition from faces"],
                 ["recognize who is in a photo", "verify identities from faces"], ["LFW", "MegaFace", "IJB-C"],
                 "face images", "identity embeddings"),
    "cls": (["image classification", "visual recognition", "category prediction"],
            ["classify images into categories", "recognize what an image shows"], ["ImageNet", "CIFAR-100", "iNaturalist"],
            "images", "class labels"),
    "flow": (["optical flow estimation", "dense motion estimation", "pixel correspondence estimation"],
             ["estimate motion between frames", "compute optical flow"], ["Sintel", "KITTI Flow", "FlyingChairs"],
             "frame pairs", "flow fields"),
    "hdr": (["HDR reconstruction", "high dynamic range imaging", "exposure fusion"],
            ["recover blown-out highlights", "merge exposures into an HDR photo"], ["Kalantari HDR", "NTIRE HDR"],
            "bracketed exposures", "HDR images"),
    "compress": (["learned image compression", "neural image coding", "rate-distortion optimized compression"],
                 ["compress images with a neural network", "shrink photos without artifacts"], ["Kodak", "CLIC", "Tecnick"],
                 "images", "compact bitstreams"),
    "lipsync": (["lip synchronization", "talking face generation", "audio-driven lip movement synthesis"],
                ["dub videos with matching lips", "sync lips to a new audio track"], ["LRS2", "VoxCeleb2", "HDTF"],
                "face videos and audio", "lip-synced videos"),
    "sep": (["speech enhancement", "audio source separation", "speech denoising"],
            ["remove background noise from speech", "separate voices from music"], ["VoiceBank-DEMAND", "WSJ0-2mix", "MUSDB18"],
            "noisy recordings", "clean speech"),
    "change": (["change detection", "bi-temporal change analysis", "land cover change detection"],
               ["find what changed between two images", "detect new buildings over time"], ["LEVIR-CD", "WHU-CD", "OSCD"],
               "image pairs", "change maps"),
}

METHODS: dict[str, list[str]] = {
    "diffusion": ["diffusion model", "denoising diffusion probabilistic model", "score-based generative model"],
    "transformer": ["transformer", "self-attention network", "vision transformer"],
    "cnn": ["convolutional neural network", "deep convolutional network", "residual CNN"],
    "gan": ["generative adversarial network", "GAN", "adversarially trained generator"],
    "ssm": ["state space model", "selective scan architecture", "linear-time sequence model"],
    "inr": ["implicit neural representation", "coordinate-based MLP", "neural field"],
    "gnn": ["graph neural network", "message-passing network", "graph convolution model"],
    "unet": ["U-Net", "encoder-decoder with skip connections", "hourglass encoder-decoder"],
    "rnn": ["recurrent neural network", "LSTM", "gated recurrent model"],
    "flow": ["normalizing flow", "invertible neural network", "flow-based generative model"],
    "moe": ["mixture of experts", "sparsely gated expert model", "routed expert layers"],
    "vae": ["variational autoencoder", "VAE", "latent variable autoencoder"],
    "contrastive": ["contrastive learning framework", "contrastive representation learner", "InfoNCE-trained encoder"],
    "llm": ["large language model", "multimodal LLM", "instruction-tuned language model"],
}

SETTINGS: dict[str, list[str]] = {
    "mobile": ["on mobile phones", "on smartphones", "for on-device use with limited memory"],
    "medical": ["for medical imaging", "on MRI and CT scans", "in clinical scans"],
    "satellite": ["for satellite imagery", "in remote sensing", "on aerial images"],
    "video": ["for video", "on video sequences", "across consecutive video frames"],
    "night": ["at night", "in low-light conditions", "for dark scenes"],
    "realtime": ["in real time", "at interactive frame rates", "with low latency"],
    "underwater": ["underwater", "for underwater photography", "in marine imagery"],
    "driving": ["for autonomous driving", "on dashcam footage", "in self-driving cars"],
    "microscopy": ["for microscopy", "on cell microscopy images", "in biological imaging"],
    "archive": ["for old photographs", "on historical archives", "for scanned family photos"],
    "thermal": ["for thermal infrared images", "on infrared cameras", "in thermal imaging"],
    "documents": ["for document scans", "on scanned paperwork", "for digitized books"],
    "faces": ["for portraits", "on human faces", "for selfies"],
    "edge": ["on edge devices", "on embedded hardware", "on microcontrollers and drones"],
}

CONTRIBUTIONS: dict[str, list[str]] = {
    "dataset": ["We also release a new benchmark dataset with {n} annotated samples.",
                "A large new dataset of {n} examples is collected and made public.",
                "We introduce a curated benchmark of {n} samples for this problem."],
    "selfsup": ["Training is self-supervised and needs no manual labels.",
                "The model is pretrained without annotations using a self-supervised objective.",
                "No ground-truth labels are required: supervision comes from the data itself."],
    "efficient": ["The network has {p}M parameters and runs {x}x faster than prior work.",
                  "A lightweight design cuts computation by {x}x with {p}M parameters.",
                  "Pruning and quantization make inference {x}x cheaper."],
    "uncertainty": ["The model also predicts calibrated uncertainty for every output.",
                    "We estimate per-pixel confidence to flag unreliable predictions.",
                    "Uncertainty estimates let users know when not to trust the result."],
    "unpaired": ["Training uses unpaired data, so no aligned input-output pairs are needed.",
                 "We learn from unpaired collections with a cycle-consistency objective.",
                 "Aligned training pairs are not required."],
    "theory": ["We provide a theoretical analysis with convergence guarantees.",
               "A formal analysis explains why the approach generalizes.",
               "We prove bounds on the approximation error."],
    "adaptation": ["A domain adaptation stage transfers the model to unseen conditions.",
                   "Test-time adaptation adjusts the model to each new domain.",
                   "We adapt from synthetic to real data without target labels."],
    "distill": ["Knowledge distillation compresses a large teacher into a small student.",
                "A compact student network is distilled from a large teacher model.",
                "We distill the knowledge of an ensemble into a single fast model."],
}

FILLER = [
    "Extensive ablations confirm the contribution of each component.",
    "Code and pretrained weights are publicly available.",
    "Qualitative results show fewer artifacts than competing methods.",
    "The approach generalizes across resolutions and capture devices.",
    "We analyze failure cases and discuss limitations.",
    "User studies confirm the perceptual improvements.",
    "Our method is simple to implement and trains on a single GPU.",
    "Results are consistent across several random seeds.",
]
PROBLEMS = [
    "Existing approaches based on {baseline} struggle with {challenge}.",
    "Methods built on {baseline} have been the default, but they suffer from {challenge}.",
    "Prior work relies on {baseline}, which handles {challenge} poorly.",
]
CHALLENGES = ["fine textures", "large motions", "domain shift", "high resolutions", "limited training data",
              "severe degradations", "long-range dependencies", "computational cost", "temporal consistency",
              "rare categories", "cluttered scenes", "heavy occlusion"]
NAME_PARTS = ["Res", "Swin", "Flow", "Net", "Former", "Mamba", "Diff", "Light", "Deep", "Fast", "Omni", "Mix", "Hyper",
              "Neo", "Uni", "Sparse", "Dual", "Meta", "Prism", "Echo", "Nova", "Atlas", "Vista", "Pulse", "Quill"]
METRICS = ["PSNR", "SSIM", "mIoU", "mAP", "accuracy", "FID", "LPIPS", "word error rate", "F1 score"]
QUERY_TEMPLATES = {
    ("task", "method", "setting"): [
        "{method} for {task} {setting}",
        "how can I {verb} {setting} with a {method}?",
        "is there a {method} approach to {task} {setting}",
        "{task} {setting} using {method}",
    ],
    ("task", "setting"): [
        "{task} {setting}",
        "best way to {verb} {setting}",
        "what works for {task} {setting}?",
    ],
    ("task", "method"): [
        "{method} based {task}",
        "can a {method} {verb}?",
        "{task} with a {method}",
    ],
    ("task", "contribution"): [
        "{task} {contribution_q}",
        "{verb} {contribution_q}",
    ],
}
CONTRIBUTION_QUERIES = {
    "dataset": ["benchmark dataset", "new dataset release"],
    "selfsup": ["without labels", "self-supervised"],
    "efficient": ["lightweight and fast", "efficient small model"],
    "uncertainty": ["with uncertainty estimates", "confidence-aware"],
    "unpaired": ["without paired training data", "unpaired training"],
    "theory": ["theoretical guarantees", "with convergence analysis"],
    "adaptation": ["domain adaptation", "adapting to new domains"],
    "distill": ["knowledge distillation", "distilled student model"],
}


@dataclass(frozen=True)
class Doc:
    id: str
    task: str
    method: str
    setting: str
    contribution: str
    title: str
    text: str

    def facets(self) -> dict[str, str]:
        return {"task": self.task, "method": self.method, "setting": self.setting, "contribution": self.contribution}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _name(rng: random.Random) -> str:
    return "".join(rng.sample(NAME_PARTS, 2)) + (rng.choice(["", "", "-2", "++", "-L", "v2"]))


def make_doc(rng: random.Random, i: int) -> Doc:
    task = rng.choice(list(TASKS))
    method = rng.choice(list(METHODS))
    setting = rng.choice(list(SETTINGS))
    contribution = rng.choice(list(CONTRIBUTIONS))
    baseline = rng.choice([m for m in METHODS if m != method])
    paras, _, datasets, inp, out = TASKS[task]
    name = _name(rng)
    t_phrase = rng.choice(paras)
    m_phrase = rng.choice(METHODS[method])
    s_phrase = rng.choice(SETTINGS[setting])
    title = rng.choice([
        f"{name}: {_cap(m_phrase)} for {_cap(t_phrase)} {s_phrase}",
        f"{name}: Towards {_cap(t_phrase)} {s_phrase}",
        f"{_cap(t_phrase)} {s_phrase} with {_cap(m_phrase)}s",
        f"{name}: Rethinking {_cap(t_phrase)}",
    ])
    sents = [
        rng.choice([
            f"We study {rng.choice(paras)} {rng.choice(SETTINGS[setting])}, mapping {inp} to {out}.",
            f"This paper addresses {rng.choice(paras)} {rng.choice(SETTINGS[setting])}.",
            f"{_cap(rng.choice(paras))} {rng.choice(SETTINGS[setting])} remains challenging.",
        ]),
        rng.choice(PROBLEMS).format(baseline=rng.choice(METHODS[baseline]), challenge=rng.choice(CHALLENGES)),
        rng.choice([
            f"We propose {name}, a {rng.choice(METHODS[method])} that turns {inp} into {out}.",
            f"Our model, {name}, is a {rng.choice(METHODS[method])} designed for this setting.",
            f"{name} builds on a {rng.choice(METHODS[method])} with a task-specific design.",
        ]),
        rng.choice(CONTRIBUTIONS[contribution]).format(n=rng.choice([5, 12, 40, 100]) * 1000,
                                                       p=rng.choice([1.2, 3.5, 8, 22]), x=rng.choice([2, 3, 5, 10])),
        f"On {' and '.join(rng.sample(datasets, k=min(2, len(datasets))))}, {name} improves "
        f"{rng.choice(METRICS)} over the previous best by {rng.randint(2, 30) / 10:.1f} points.",
        rng.choice(FILLER),
    ]
    if rng.random() < 0.4:  # an off-facet aside: more shared vocabulary across tasks
        other = rng.choice(list(TASKS))
        sents.insert(-1, f"The same backbone can also be applied to {rng.choice(TASKS[other][0])}.")
    return Doc(f"doc{i:05d}", task, method, setting, contribution, title, " ".join(sents))


def make_query(rng: random.Random, seed_doc: Doc, qid: str) -> tuple[str, dict[str, str]]:
    shape = rng.choices(list(QUERY_TEMPLATES), weights=[4, 3, 3, 2])[0]
    facets = {k: seed_doc.facets()[k] for k in shape}
    paras, verbs, *_ = TASKS[seed_doc.task]
    text = rng.choice(QUERY_TEMPLATES[shape]).format(
        task=rng.choice(paras),
        verb=rng.choice(verbs),
        method=rng.choice(METHODS[seed_doc.method]),
        setting=rng.choice(SETTINGS[seed_doc.setting]),
        contribution_q=rng.choice(CONTRIBUTION_QUERIES[seed_doc.contribution]),
    )
    return text[0].upper() + text[1:], facets


def grade(doc: Doc, facets: dict[str, str]) -> int:
    f = doc.facets()
    if f["task"] != facets["task"]:
        return 0
    others = [k for k in facets if k != "task"]
    misses = sum(1 for k in others if f[k] != facets[k])
    if misses == 0:
        return 2
    if misses == 1 and len(others) >= 2:
        return 1
    return 0


def generate(out_dir: Path, n_docs: int = 5000, n_queries: int = 300, seed: int = 13) -> dict[str, int]:
    rng = random.Random(seed)
    docs = [make_doc(rng, i) for i in range(n_docs)]
    by_task: dict[str, list[Doc]] = {}
    for d in docs:
        by_task.setdefault(d.task, []).append(d)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "qrels").mkdir(exist_ok=True)
    with open(out_dir / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps({"_id": d.id, "title": d.title, "text": d.text}) + "\n")
    judged = 0
    seen_texts: set[str] = set()
    with open(out_dir / "queries.jsonl", "w", encoding="utf-8") as qf, \
            open(out_dir / "qrels" / "test.tsv", "w", encoding="utf-8") as rf:
        rf.write("query-id\tcorpus-id\tscore\n")
        qn = 0
        while qn < n_queries:
            seed_doc = rng.choice(docs)
            text, facets = make_query(rng, seed_doc, f"q{qn:04d}")
            if text in seen_texts:
                continue
            seen_texts.add(text)
            qid = f"q{qn:04d}"
            qn += 1
            qf.write(json.dumps({"_id": qid, "text": text}) + "\n")
            for d in by_task[seed_doc.task]:
                g = grade(d, facets)
                if g:
                    rf.write(f"{qid}\t{d.id}\t{g}\n")
                    judged += 1
    return {"documents": n_docs, "queries": n_queries, "judgments": judged}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--docs", type=int, default=5000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()
    info = generate(args.out_dir, args.docs, args.queries, args.seed)
    print(f"wrote {info} to {args.out_dir}")


if __name__ == "__main__":
    main()
