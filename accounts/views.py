from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from schools.selectors import memberships_of, user_has_back_office


@login_required
def me(request):
    """The learner area's home: who I am, my roles; later issues add training and hours."""
    return render(
        request,
        "accounts/me.html",
        {
            "memberships": memberships_of(user=request.user),
            "has_back_office": user_has_back_office(user=request.user),
        },
    )
