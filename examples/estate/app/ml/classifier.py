"""Intent classifier (PyTorch) and the self-hosted reply generator (Transformers)."""

import joblib
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

# Full unpickling of a checkpoint: weights_only is not set.
classifier = torch.load("models/classifier.pt")
intent_labels = joblib.load("models/intent.joblib")

tokenizer = AutoTokenizer.from_pretrained("mistralai/Mistral-7B-v0.1")
# Runs code from the model repository, and no revision is pinned.
generator = AutoModelForCausalLM.from_pretrained("mistralai/Mistral-7B-v0.1", trust_remote_code=True)


def predict_intent(features: torch.Tensor) -> str:
    """The most likely intent label."""
    with torch.no_grad():
        scores = classifier(features)
    return intent_labels["labels"][int(scores.argmax())]


def generate_reply(prompt: str) -> str:
    """Generate a reply with the local model."""
    inputs = tokenizer(prompt, return_tensors="pt")
    output = generator.generate(**inputs, max_new_tokens=200)
    return tokenizer.decode(output[0], skip_special_tokens=True)
