from django.db import models


class PassageVector(models.Model):
    """A passage's embedding, kept as soon as it is computed, so no build loses its work.

    Keyed by the model that made it and the passage key (a hash of the passage's text, as a
    signed 64-bit number); rows no index generation uses are dropped after each build.
    """

    model_id = models.CharField(max_length=200)
    key = models.BigIntegerField()
    vector = models.BinaryField(help_text="float32, little-endian.")

    class Meta:
        db_table = "passage_vector"
        constraints = [
            models.UniqueConstraint(fields=["model_id", "key"], name="passage_vector_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.model_id} {self.key:x}"
