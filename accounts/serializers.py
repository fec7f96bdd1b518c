from rest_framework import serializers

from accounts.models import ApiKey, User


class UserOutputSerializer(serializers.ModelSerializer):
    email_verified = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "role",
            "date_joined",
            "email_verified",
            "two_factor_enabled",
        ]
        read_only_fields = fields


class TokenPairOutputSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class AuthOutputSerializer(TokenPairOutputSerializer):
    user = UserOutputSerializer()


class OtpAuthOutputSerializer(AuthOutputSerializer):
    recovery_codes_left = serializers.IntegerField(
        allow_null=True, help_text="After a recovery code: how many are left; else null."
    )


class OtpRequiredSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="otp_required (or invalid_credentials)")
    detail = serializers.CharField()
    challenge = serializers.CharField(required=False, help_text="For POST /auth/login/otp.")
    expires_in = serializers.IntegerField(required=False, help_text="Seconds.")


class DetailOutputSerializer(serializers.Serializer):
    detail = serializers.CharField()


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
