"""AWS Bedrock: cheap classification of incoming tickets with Claude 3 Haiku."""

import json

import boto3

bedrock = boto3.client("bedrock-runtime", region_name="eu-west-1")


def classify_language(text: str) -> str:
    """Detect the language of a ticket."""
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 16,
        "system": "Reply with the ISO 639-1 code of the language of the user's message, nothing else.",
        "messages": [{"role": "user", "content": text}],
    }
    response = bedrock.invoke_model(
        modelId="anthropic.claude-3-haiku-20240307-v1:0",
        body=json.dumps(body),
    )
    payload = json.loads(response["body"].read())
    return payload["content"][0]["text"].strip()
