from rest_framework import serializers

from accounts.models import ApiKey, User


class UserOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "first_name", "last_name", "role", "date_joined"]
        read_only_fields = fields


class TokenPairOutputSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class AuthOutputSerializer(TokenPairOutputSerializer):
    user = UserOutputSerializer()


class ApiKeyOutputSerializer(serializers.ModelSerializer):
    shown = serializers.CharField(help_text="The key's last four characters: kassa_sk_…abcd.")
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ApiKey.Scope.choices))

    class Meta:
        model = ApiKey
        fields = ["id", "name", "scopes", "shown", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class ApiKeyCreatedOutputSerializer(serializers.Serializer):
    api_key = ApiKeyOutputSerializer()
    key = serializers.CharField(help_text="kassa_sk_…: shown this once, never stored.")
