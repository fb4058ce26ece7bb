"""batch_inference"""
